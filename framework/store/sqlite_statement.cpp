#include "store/sqlite_statement.hpp"

#include <cmath>
#include <limits>

#include "store/run_store.hpp"

namespace promptlab::store {

void fail(sqlite3* db, const std::string& db_path, const std::string& what) {
  std::string msg = "run store " + db_path + ": " + what;
  if (db) {
    msg += ": " + std::string(sqlite3_errmsg(db));
    switch (sqlite3_errcode(db) & 0xff) {
      case SQLITE_READONLY:
        msg += " (the file, its folder or the filesystem is read-only; pass another --db)";
        break;
      case SQLITE_FULL:
        msg += " (the disk is full)";
        break;
      default:
        break;
    }
  }
  throw StoreError(msg);
}

namespace {

// "INSERT INTO runs", "UPDATE runs", "SELECT ...": what a statement does, without its full text.
std::string summary(const std::string& sql) {
  std::string out;
  int words = 0;
  for (std::size_t i = 0; i < sql.size() && words < 3; ++i) {
    const char c = sql[i];
    if (c == '(' || c == '\n') break;
    if (c == ' ') {
      if (!out.empty() && out.back() != ' ') ++words;
      if (words < 3 && !out.empty() && out.back() != ' ') out += ' ';
      continue;
    }
    out += c;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

}  // namespace

Statement::Statement(sqlite3* db, const std::string& sql, const std::string& db_path)
    : db_(db), sql_(sql), path_(db_path) {
  if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt_, nullptr) != SQLITE_OK)
    fail(db_, path_, "cannot prepare '" + sql_ + "'");
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement& Statement::bind(int i, std::int64_t v) {
  if (sqlite3_bind_int64(stmt_, i, v) != SQLITE_OK) fail(db_, path_, "bind failed");
  return *this;
}

Statement& Statement::bind(int i, double v) {
  int rc = std::isnan(v) ? sqlite3_bind_null(stmt_, i) : sqlite3_bind_double(stmt_, i, v);
  if (rc != SQLITE_OK) fail(db_, path_, "bind failed");
  return *this;
}

Statement& Statement::bind(int i, const std::string& v) {
  if (sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT) != SQLITE_OK)
    fail(db_, path_, "bind failed");
  return *this;
}

Statement& Statement::bind_blob(int i, const std::vector<std::uint8_t>& v) {
  // A zero-length blob must still be a blob, not NULL.
  int rc = v.empty() ? sqlite3_bind_zeroblob(stmt_, i, 0)
                     : sqlite3_bind_blob(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) fail(db_, path_, "bind failed");
  return *this;
}

bool Statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  fail(db_, path_, "cannot execute " + summary(sql_));
}

void Statement::run() {
  while (step()) {
  }
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::int64_t Statement::int64(int c) const { return sqlite3_column_int64(stmt_, c); }

double Statement::real(int c) const {
  if (is_null(c)) return std::numeric_limits<double>::quiet_NaN();
  return sqlite3_column_double(stmt_, c);
}

std::string Statement::text(int c) const {
  const unsigned char* p = sqlite3_column_text(stmt_, c);
  int n = sqlite3_column_bytes(stmt_, c);
  return p ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n)) : std::string();
}

std::vector<std::uint8_t> Statement::blob(int c) const {
  const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt_, c));
  int n = sqlite3_column_bytes(stmt_, c);
  return p ? std::vector<std::uint8_t>(p, p + n) : std::vector<std::uint8_t>();
}

bool Statement::is_null(int c) const { return sqlite3_column_type(stmt_, c) == SQLITE_NULL; }

void exec(sqlite3* db, const std::string& sql, const std::string& db_path) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errmsg(db);
    sqlite3_free(err);
    throw StoreError("run store " + db_path + ": " + msg);
  }
}

Transaction::Transaction(sqlite3* db, const std::string& db_path) : db_(db), path_(db_path) {
  exec(db_, "BEGIN IMMEDIATE", path_);
}

Transaction::~Transaction() {
  if (!done_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

void Transaction::commit() {
  exec(db_, "COMMIT", path_);
  done_ = true;
}

}  // namespace promptlab::store

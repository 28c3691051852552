#pragma once
// Thin RAII wrappers over the SQLite C API used by the run store (internal).
#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <vector>

namespace promptlab::store {

/// A prepared statement; errors throw StoreError naming `db_path`.
class Statement {
 public:
  /// Prepares `sql` on `db`.
  Statement(sqlite3* db, const std::string& sql, const std::string& db_path);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  /// Binds by 1-based index.
  Statement& bind(int i, std::int64_t v);
  Statement& bind(int i, double v);  // NaN is stored as NULL
  Statement& bind(int i, const std::string& v);
  Statement& bind_blob(int i, const std::vector<std::uint8_t>& v);
  /// Steps once; true while a row is available.
  bool step();
  /// Steps to completion (for statements without rows).
  void run();
  /// Resets so the statement can be bound and run again.
  void reset();

  /// Column accessors on the current row (0-based).
  std::int64_t int64(int c) const;
  double real(int c) const;  // NULL reads back as NaN
  std::string text(int c) const;
  std::vector<std::uint8_t> blob(int c) const;
  bool is_null(int c) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  std::string sql_;
  std::string path_;
};

/// Runs one or more statements without results.
void exec(sqlite3* db, const std::string& sql, const std::string& db_path);

/// BEGIN IMMEDIATE ... COMMIT; rolls back on destruction unless committed.
class Transaction {
 public:
  Transaction(sqlite3* db, const std::string& db_path);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  /// Commits the transaction.
  void commit();

 private:
  sqlite3* db_;
  std::string path_;
  bool done_ = false;
};

/// Throws StoreError "run store <path>: <what>: <sqlite message>".
[[noreturn]] void fail(sqlite3* db, const std::string& db_path, const std::string& what);

}  // namespace promptlab::store

#include "store/run_store.hpp"

#include <sqlite3.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <thread>

#include <promptlab/version.hpp>

#include "store/process_identity.hpp"
#include "store/schema.hpp"
#include "store/sqlite_statement.hpp"

namespace promptlab {

namespace fs = std::filesystem;
using store::Statement;

namespace {

const char* kRunColumns =
    "id, method, learner, step_rule, dataset, protocol, protocol_hash, seed, shots, config_json, config_hash, "
    "plugin_versions_json, model_checksum, model_path, code_revision, promptlab_version, machine, device, "
    "precision, status, error, started_at, finished_at, pid, pid_start, uid";

RunRecord read_run(const Statement& s) {
  RunRecord r;
  int c = 0;
  r.id = s.int64(c++);
  r.method = s.text(c++);
  r.learner = s.text(c++);
  r.step_rule = s.text(c++);
  r.dataset = s.text(c++);
  r.protocol = s.text(c++);
  r.protocol_hash = s.text(c++);
  r.seed = s.int64(c++);
  r.shots = s.int64(c++);
  r.config_json = s.text(c++);
  r.config_hash = s.text(c++);
  r.plugin_versions_json = s.text(c++);
  r.model_checksum = s.text(c++);
  r.model_path = s.text(c++);
  r.code_revision = s.text(c++);
  r.promptlab_version = s.text(c++);
  r.machine = s.text(c++);
  r.device = s.text(c++);
  r.precision = s.text(c++);
  r.status = s.text(c++);
  r.error = s.text(c++);
  r.started_at = s.text(c++);
  r.finished_at = s.text(c++);
  r.pid = s.int64(c++);
  r.pid_start = s.int64(c++);
  r.uid = s.text(c++);
  return r;
}

// "col IN (?,?,?)" for n placeholders.
std::string in_list(const std::string& col, std::size_t n) {
  std::string s = col + " IN (";
  for (std::size_t i = 0; i < n; ++i) s += i ? ",?" : "?";
  return s + ")";
}

// WHERE clause (possibly empty) for a filter over rows with method/dataset/protocol_hash columns.
std::string where_clause(const ResultFilter& f, bool with_datasets = true) {
  std::vector<std::string> parts;
  if (!f.methods.empty()) parts.push_back(in_list("method", f.methods.size()));
  if (with_datasets && !f.datasets.empty()) parts.push_back(in_list("dataset", f.datasets.size()));
  if (!f.protocol_hash.empty()) parts.push_back("protocol_hash = ?");
  std::string w;
  for (std::size_t i = 0; i < parts.size(); ++i) w += (i ? " AND " : " WHERE ") + parts[i];
  return w;
}

void bind_filter(Statement& s, const ResultFilter& f, bool with_datasets = true) {
  int i = 1;
  for (const auto& m : f.methods) s.bind(i++, m);
  if (with_datasets)
    for (const auto& d : f.datasets) s.bind(i++, d);
  if (!f.protocol_hash.empty()) s.bind(i++, f.protocol_hash);
}

ResultRow read_row(const Statement& s, bool average) {
  ResultRow r;
  int c = 0;
  r.method = s.text(c++);
  r.dataset = s.text(c++);
  r.protocol = s.text(c++);
  r.protocol_hash = s.text(c++);
  r.n_seeds = s.int64(c++);
  r.n_datasets = average ? s.int64(c++) : 1;
  r.base_mean = s.real(c++);
  r.base_std = s.real(c++);
  r.new_mean = s.real(c++);
  r.new_std = s.real(c++);
  r.hm = s.real(c++);
  return r;
}

// sqrt() for SQLite builds without the math functions.
void sql_sqrt(sqlite3_context* ctx, int, sqlite3_value** argv) {
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
    sqlite3_result_null(ctx);
    return;
  }
  sqlite3_result_double(ctx, std::sqrt(sqlite3_value_double(argv[0])));
}

bool is_terminal_status(const std::string& s) { return s == "finished" || s == "failed" || s == "interrupted"; }

}  // namespace

RunStore::RunStore(const std::string& path) : path_(path) {
  if (path.empty()) throw StoreError("run store: empty database path");
  const bool special = path == ":memory:" || path.rfind("file:", 0) == 0;
  if (!special) {
    fs::path p(path);
    fs::path dir = p.parent_path();
    std::error_code ec;
    if (!dir.empty() && !fs::is_directory(dir, ec))
      throw StoreError("run store " + path + ": directory " + dir.string() + " does not exist");
    if (fs::is_directory(p, ec)) throw StoreError("run store " + path + ": is a directory, not a database file");
  }
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI;
  if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw StoreError("run store " + path + ": cannot open: " + msg);
  }
  try {
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, 30000);
    // A file that is not SQLite fails on its first read.
    char* err = nullptr;
    if (sqlite3_exec(db_, "SELECT count(*) FROM sqlite_master", nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : sqlite3_errmsg(db_);
      sqlite3_free(err);
      throw StoreError("run store " + path + ": not a SQLite database (" + msg + ")");
    }
    if (sqlite3_exec(db_, "SELECT sqrt(4.0)", nullptr, nullptr, nullptr) != SQLITE_OK)
      sqlite3_create_function(db_, "sqrt", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr, &sql_sqrt, nullptr,
                              nullptr);
    // Switching to WAL needs a moment of exclusive access; retry while another opener holds it.
    for (int attempt = 0;; ++attempt) {
      Statement s(db_, "PRAGMA journal_mode=WAL", path_);
      try {
        s.step();
        break;
      } catch (const StoreError&) {
        int rc = sqlite3_errcode(db_) & 0xff;
        if ((rc != SQLITE_BUSY && rc != SQLITE_LOCKED) || attempt > 300) throw;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    store::exec(db_, "PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL", path_);
    migrate();
  } catch (...) {
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw;
  }
}

RunStore::~RunStore() {
  if (db_) sqlite3_close_v2(db_);
}

RunStore::RunStore(RunStore&& other) noexcept : path_(std::move(other.path_)), db_(other.db_) {
  other.db_ = nullptr;
}

RunStore& RunStore::operator=(RunStore&& other) noexcept {
  if (this != &other) {
    if (db_) sqlite3_close_v2(db_);
    path_ = std::move(other.path_);
    db_ = other.db_;
    other.db_ = nullptr;
  }
  return *this;
}

void RunStore::check_open() const {
  if (!db_) throw StoreError("run store " + path_ + ": handle is closed (moved from)");
}

int RunStore::read_version() const {
  Statement t(db_, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'", path_);
  t.step();
  if (t.int64(0) == 0) return 0;
  Statement v(db_, "SELECT coalesce(max(version), 0) FROM schema_version", path_);
  v.step();
  return static_cast<int>(v.int64(0));
}

void RunStore::migrate() {
  const int newest = store::migrations().back().version;
  int version = read_version();
  if (version == newest) return;
  store::Transaction tx(db_, path_);
  version = read_version();  // another process may have migrated meanwhile
  if (version > newest)
    throw StoreError("run store " + path_ + ": schema version " + std::to_string(version) +
                     " is newer than this promptlab (" + kVersion + ") supports (" + std::to_string(newest) +
                     "); use a newer promptlab");
  if (version == 0) {
    Statement t(db_, "SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'", path_);
    t.step();
    if (t.int64(0) != 0)
      throw StoreError("run store " + path_ +
                       ": a SQLite database but not a promptlab run store (no schema_version table)");
  }
  for (const auto& m : store::migrations()) {
    if (m.version <= version) continue;
    try {
      store::exec(db_, m.sql, path_);
    } catch (const StoreError& e) {
      throw StoreError("run store " + path_ + ": migration to schema version " + std::to_string(m.version) +
                       " failed (nothing changed): " + e.what());
    }
    Statement s(db_, "INSERT INTO schema_version (version) VALUES (?)", path_);
    s.bind(1, static_cast<std::int64_t>(m.version)).run();
  }
  tx.commit();
}

double RunStore::harmonic_mean(double base, double new_) const {
  check_open();
  Statement s(db_, "SELECT " + store::harmonic_mean_sql("?1", "?2"), path_);
  s.bind(1, base);
  s.bind(2, new_);
  if (!s.step()) throw StoreError("run store " + path_ + ": the harmonic mean returned no row");
  return s.real(0);
}

void RunStore::require_run(std::int64_t run) const {
  Statement s(db_, "SELECT status FROM runs WHERE id = ?", path_);
  s.bind(1, run);
  if (!s.step()) throw StoreError("run store " + path_ + ": no run with id " + std::to_string(run));
}

std::int64_t RunStore::begin_run(const RunRecord& r) {
  check_open();
  if (r.method.empty()) throw StoreError("run store " + path_ + ": begin_run needs a method name");
  if (r.dataset.empty()) throw StoreError("run store " + path_ + ": begin_run needs a dataset name");
  Statement s(db_,
              "INSERT INTO runs (method, learner, step_rule, dataset, protocol, protocol_hash, seed, config_json, "
              "config_hash, plugin_versions_json, model_checksum, model_path, code_revision, promptlab_version, "
              "machine, device, precision, shots, pid, pid_start, status, error, uid) "
              "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,'running','',lower(hex(randomblob(16))))",
              path_);
  const std::string fields[] = {r.method,
                                r.learner,
                                r.step_rule,
                                r.dataset,
                                r.protocol,
                                r.protocol_hash,
                                r.config_json.empty() ? std::string("{}") : r.config_json,
                                r.config_hash,
                                r.plugin_versions_json.empty() ? std::string("{}") : r.plugin_versions_json,
                                r.model_checksum,
                                r.model_path,
                                r.code_revision,
                                r.promptlab_version.empty() ? std::string(kVersion) : r.promptlab_version,
                                r.machine,
                                r.device,
                                r.precision};
  // Placeholder 7 is the seed; the text fields fill the others in order.
  int i = 1;
  for (const auto& f : fields) {
    if (i == 7) s.bind(i++, r.seed);
    s.bind(i++, f);
  }
  const ProcessIdentity me = current_process();
  s.bind(i, r.shots).bind(i + 1, me.pid).bind(i + 2, me.start_ticks);
  s.run();
  return sqlite3_last_insert_rowid(db_);
}

void RunStore::resume_run(std::int64_t run, const std::string& machine) {
  check_open();
  store::Transaction tx(db_, path_);
  Statement q(db_, "SELECT status FROM runs WHERE id = ?", path_);
  q.bind(1, run);
  if (!q.step()) throw StoreError("run store " + path_ + ": no run with id " + std::to_string(run));
  if (q.text(0) != "interrupted") {
    throw StoreError("run store " + path_ + ": run " + std::to_string(run) + " is " + q.text(0) +
                     "; only an interrupted run can be resumed");
  }
  const ProcessIdentity me = current_process();
  Statement s(db_,
              "UPDATE runs SET status = 'running', error = '', finished_at = '', machine = ?, pid = ?, pid_start = ? "
              "WHERE id = ?",
              path_);
  s.bind(1, machine).bind(2, me.pid).bind(3, me.start_ticks).bind(4, run).run();
  tx.commit();
}

std::vector<std::int64_t> RunStore::reap_dead_runs() {
  check_open();
  std::vector<std::int64_t> dead;
  store::Transaction tx(db_, path_);
  {
    Statement q(db_, "SELECT id, machine, pid, pid_start FROM runs WHERE status = 'running' AND pid > 0", path_);
    while (q.step()) {
      if (!process_alive({q.text(1), q.int64(2), q.int64(3)})) dead.push_back(q.int64(0));
    }
  }
  for (auto id : dead) {
    Statement s(db_,
                "UPDATE runs SET status = 'interrupted', error = 'its process (pid ' || pid || ' on ' || machine || "
                "') ended without finishing it', finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?",
                path_);
    s.bind(1, id).run();
  }
  tx.commit();
  return dead;
}

void RunStore::log_epoch(std::int64_t run, const EpochMetrics& m) {
  check_open();
  store::Transaction tx(db_, path_);
  require_run(run);
  Statement s(db_, "INSERT OR REPLACE INTO epoch_metrics (run_id, epoch, name, value) VALUES (?,?,?,?)", path_);
  for (const auto& [name, value] : m.values) {
    if (name.empty()) throw StoreError("run store " + path_ + ": empty metric name in epoch " + std::to_string(m.epoch));
    s.bind(1, run).bind(2, m.epoch).bind(3, name).bind(4, value);
    s.run();
    s.reset();
  }
  tx.commit();
}

void RunStore::log_run_metrics(std::int64_t run, const std::map<std::string, double>& metrics) {
  check_open();
  store::Transaction tx(db_, path_);
  require_run(run);
  Statement s(db_, "INSERT OR REPLACE INTO run_metrics (run_id, name, value) VALUES (?,?,?)", path_);
  for (const auto& [name, value] : metrics) {
    if (name.empty()) throw StoreError("run store " + path_ + ": empty run metric name for run " + std::to_string(run));
    s.bind(1, run).bind(2, name).bind(3, value);
    s.run();
    s.reset();
  }
  tx.commit();
}

std::map<std::string, double> RunStore::run_metrics(std::int64_t run) const {
  check_open();
  Statement s(db_, "SELECT name, value FROM run_metrics WHERE run_id = ? ORDER BY name", path_);
  s.bind(1, run);
  std::map<std::string, double> out;
  while (s.step()) out[s.text(0)] = s.real(1);
  return out;
}

void RunStore::record_result(std::int64_t run, const SplitResult& r) {
  check_open();
  if (r.split.empty()) throw StoreError("run store " + path_ + ": result without a split name");
  if (r.n < 0 || r.correct < 0 || r.correct > r.n)
    throw StoreError("run store " + path_ + ": result for split " + r.split + " has correct=" +
                     std::to_string(r.correct) + " of n=" + std::to_string(r.n));
  store::Transaction tx(db_, path_);
  Statement q(db_, "SELECT dataset FROM runs WHERE id = ?", path_);
  q.bind(1, run);
  if (!q.step()) throw StoreError("run store " + path_ + ": no run with id " + std::to_string(run));
  const std::string dataset = r.dataset.empty() ? q.text(0) : r.dataset;
  Statement s(db_,
              "INSERT OR REPLACE INTO results (run_id, dataset, split, n, correct, accuracy) VALUES (?,?,?,?,?,?)",
              path_);
  s.bind(1, run).bind(2, dataset).bind(3, r.split).bind(4, r.n).bind(5, r.correct).bind(6, r.accuracy).run();
  tx.commit();
}

void RunStore::add_artifact(std::int64_t run, const Artifact& a) {
  check_open();
  if (a.name.empty()) throw StoreError("run store " + path_ + ": artifact without a name");
  store::Transaction tx(db_, path_);
  require_run(run);
  Statement s(db_,
              "INSERT INTO artifacts (run_id, name, kind, data) VALUES (?,?,?,?) "
              "ON CONFLICT (run_id, name) DO UPDATE SET kind = excluded.kind, data = excluded.data, "
              "created_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
              path_);
  s.bind(1, run).bind(2, a.name).bind(3, a.kind.empty() ? std::string("text") : a.kind).bind_blob(4, a.data).run();
  tx.commit();
}

void RunStore::finish_run(std::int64_t run, const std::string& status, const std::string& error) {
  check_open();
  if (!is_terminal_status(status))
    throw StoreError("run store " + path_ + ": cannot finish run " + std::to_string(run) + " with status '" +
                     status + "' (expected finished, failed or interrupted)");
  store::Transaction tx(db_, path_);
  Statement q(db_, "SELECT status FROM runs WHERE id = ?", path_);
  q.bind(1, run);
  if (!q.step()) throw StoreError("run store " + path_ + ": no run with id " + std::to_string(run));
  if (q.text(0) != "running")
    throw StoreError("run store " + path_ + ": run " + std::to_string(run) + " is already " + q.text(0));
  Statement s(db_,
              "UPDATE runs SET status = ?, error = ?, finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') "
              "WHERE id = ?",
              path_);
  s.bind(1, status).bind(2, error).bind(3, run).run();
  tx.commit();
}

std::optional<RunRecord> RunStore::get_run(std::int64_t id) const {
  check_open();
  Statement s(db_, std::string("SELECT ") + kRunColumns + " FROM runs WHERE id = ?", path_);
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return read_run(s);
}

std::vector<RunRecord> RunStore::list_runs(const ResultFilter& f) const {
  check_open();
  Statement s(db_, std::string("SELECT ") + kRunColumns + " FROM runs" + where_clause(f) + " ORDER BY id", path_);
  bind_filter(s, f);
  std::vector<RunRecord> out;
  while (s.step()) out.push_back(read_run(s));
  return out;
}

std::vector<EpochMetrics> RunStore::epochs(std::int64_t run) const {
  check_open();
  Statement s(db_, "SELECT epoch, name, value FROM epoch_metrics WHERE run_id = ? ORDER BY epoch, name", path_);
  s.bind(1, run);
  std::vector<EpochMetrics> out;
  while (s.step()) {
    std::int64_t e = s.int64(0);
    if (out.empty() || out.back().epoch != e) out.push_back(EpochMetrics{e, {}});
    out.back().values[s.text(1)] = s.real(2);
  }
  return out;
}

std::vector<SplitResult> RunStore::results(std::int64_t run) const {
  check_open();
  // The run's own dataset first, then each target in the order first recorded.
  Statement s(db_,
              "SELECT split, dataset, n, correct, accuracy FROM ("
              "  SELECT res.*, r.dataset AS own, min(res.rowid) OVER (PARTITION BY res.dataset) AS first_row "
              "  FROM results res JOIN runs r ON r.id = res.run_id WHERE res.run_id = ?) "
              "ORDER BY dataset <> own, first_row, "
              "CASE split WHEN 'base' THEN 0 WHEN 'new' THEN 1 WHEN 'all' THEN 2 ELSE 3 END, split",
              path_);
  s.bind(1, run);
  std::vector<SplitResult> out;
  while (s.step()) out.push_back(SplitResult{s.text(0), s.int64(2), s.int64(3), s.real(4), s.text(1)});
  return out;
}

std::vector<Artifact> RunStore::artifacts(std::int64_t run) const {
  check_open();
  Statement s(db_, "SELECT name, kind, data FROM artifacts WHERE run_id = ? ORDER BY id", path_);
  s.bind(1, run);
  std::vector<Artifact> out;
  while (s.step()) out.push_back(Artifact{s.text(0), s.text(1), s.blob(2)});
  return out;
}

std::optional<std::int64_t> RunStore::find_finished(const std::string& method, const std::string& dataset,
                                                    const std::string& protocol_hash, std::int64_t seed,
                                                    const std::string& config_hash) const {
  return newest_with_status("finished", method, dataset, protocol_hash, seed, config_hash);
}

std::optional<std::int64_t> RunStore::find_interrupted(const std::string& method, const std::string& dataset,
                                                       const std::string& protocol_hash, std::int64_t seed,
                                                       const std::string& config_hash) const {
  return newest_with_status("interrupted", method, dataset, protocol_hash, seed, config_hash);
}

std::optional<std::int64_t> RunStore::newest_with_status(const std::string& status, const std::string& method,
                                                         const std::string& dataset, const std::string& protocol_hash,
                                                         std::int64_t seed, const std::string& config_hash) const {
  check_open();
  Statement s(db_,
              "SELECT id FROM runs WHERE method = ? AND dataset = ? AND protocol_hash = ? AND seed = ? "
              "AND config_hash = ? AND status = ? ORDER BY id DESC LIMIT 1",
              path_);
  s.bind(1, method).bind(2, dataset).bind(3, protocol_hash).bind(4, seed).bind(5, config_hash).bind(6, status);
  if (!s.step()) return std::nullopt;
  return s.int64(0);
}

std::vector<ResultRow> RunStore::results_table(const ResultFilter& f) const {
  check_open();
  Statement s(db_,
              "SELECT method, dataset, protocol, protocol_hash, seeds, base_mean, base_std, new_mean, new_std, hm "
              "FROM results_table" + where_clause(f) + " ORDER BY method, protocol_hash, dataset",
              path_);
  bind_filter(s, f);
  std::vector<ResultRow> out;
  while (s.step()) out.push_back(read_row(s, false));
  return out;
}

std::vector<ResultRow> RunStore::average_rows(const ResultFilter& f) const {
  check_open();
  // The view averages every dataset; a dataset filter needs the same query over a subset.
  std::string sql = "WITH src AS (SELECT * FROM seed_results" + where_clause(f) + ") " +
                    "SELECT method, dataset, protocol, protocol_hash, seeds, datasets, base_mean, base_std, "
                    "new_mean, new_std, hm FROM (" + store::results_average_sql("src") + ")";
  Statement s(db_, sql, path_);
  bind_filter(s, f);
  std::vector<ResultRow> out;
  while (s.step()) out.push_back(read_row(s, true));
  return out;
}

std::vector<TargetRow> RunStore::target_results(const ResultFilter& f) const {
  check_open();
  Statement s(db_,
              "SELECT method, dataset, target, protocol, protocol_hash, shots, seeds, mean, std FROM target_results" +
                  where_clause(f) + " ORDER BY method, protocol_hash, dataset, shots, target = dataset DESC, target",
              path_);
  bind_filter(s, f);
  std::vector<TargetRow> out;
  while (s.step()) {
    out.push_back(TargetRow{s.text(0), s.text(1), s.text(2), s.text(3), s.text(4), s.int64(5), s.int64(6), s.real(7),
                            s.real(8)});
  }
  return out;
}

int RunStore::schema_version() const {
  check_open();
  return read_version();
}

const std::string& RunStore::path() const { return path_; }

}  // namespace promptlab

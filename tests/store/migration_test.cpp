// Schema versions: migrating a hand-built v1 file, refusing newer files, rolling back failures.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>

#include "store/run_store.hpp"
#include "store_test_util.hpp"

namespace promptlab {
namespace {

using testing::TempDir;

// Executes SQL on a raw connection, failing the test on error.
void raw_exec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  std::string msg = err ? err : "";
  sqlite3_free(err);
  sqlite3_close(db);
  ASSERT_EQ(rc, SQLITE_OK) << msg;
}

// First column of the first row of a query, as text ("" when no row).
std::string raw_query(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  std::string out;
  if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
    out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

// The version-1 schema as released: no runs.model_path, no artifacts table.
const char* kV1Schema = R"SQL(
CREATE TABLE schema_version (version INTEGER NOT NULL PRIMARY KEY,
  applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')));
CREATE TABLE runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT, method TEXT NOT NULL, learner TEXT NOT NULL DEFAULT '',
  step_rule TEXT NOT NULL DEFAULT '', dataset TEXT NOT NULL, protocol TEXT NOT NULL DEFAULT '',
  protocol_hash TEXT NOT NULL DEFAULT '', seed INTEGER NOT NULL DEFAULT 0,
  config_json TEXT NOT NULL DEFAULT '{}', config_hash TEXT NOT NULL DEFAULT '',
  plugin_versions_json TEXT NOT NULL DEFAULT '{}', model_checksum TEXT NOT NULL DEFAULT '',
  code_revision TEXT NOT NULL DEFAULT '', promptlab_version TEXT NOT NULL DEFAULT '',
  machine TEXT NOT NULL DEFAULT '', device TEXT NOT NULL DEFAULT '', precision TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'finished', 'failed', 'interrupted')),
  error TEXT NOT NULL DEFAULT '', started_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  finished_at TEXT NOT NULL DEFAULT '');
CREATE TABLE epoch_metrics (run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  epoch INTEGER NOT NULL, name TEXT NOT NULL, value REAL, PRIMARY KEY (run_id, epoch, name));
CREATE TABLE results (run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE, split TEXT NOT NULL,
  n INTEGER NOT NULL, correct INTEGER NOT NULL, accuracy REAL NOT NULL, PRIMARY KEY (run_id, split));
INSERT INTO schema_version (version) VALUES (1);
INSERT INTO runs (method, learner, step_rule, dataset, protocol, protocol_hash, seed, config_json, config_hash,
                  code_revision, device, precision, status, started_at, finished_at)
  VALUES ('coop', 'coop', 'sgd', 'pets', 'base2new', 'abc', 2, '{"lr":0.002,"data.shots":8}', 'c1', 'r1', 'cpu', 'fp16',
          'finished', '2024-01-01T00:00:00.000Z', '2024-01-01T01:00:00.000Z');
INSERT INTO epoch_metrics VALUES (1, 0, 'loss', 1.25);
INSERT INTO results VALUES (1, 'base', 100, 80, 80.0);
INSERT INTO results VALUES (1, 'new', 100, 60, 60.0);
)SQL";

TEST(Migration, HandBuiltV1IsMigratedAndKeepsData) {
  TempDir dir;
  const std::string path = dir.file("v1.db");
  raw_exec(path, kV1Schema);
  {
    RunStore store(path);
    EXPECT_EQ(store.schema_version(), RunStore::kSchemaVersion);
    auto r = store.get_run(1);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->method, "coop");
    EXPECT_EQ(r->dataset, "pets");
    EXPECT_EQ(r->seed, 2);
    EXPECT_EQ(r->config_json, R"({"lr":0.002,"data.shots":8})");
    EXPECT_EQ(r->shots, 8);  // the v3 column, filled from the config
    EXPECT_EQ(r->pid, 0);    // the v4 column: unknown owner, so never reaped
    EXPECT_EQ(r->precision, "fp16");
    EXPECT_EQ(r->status, "finished");
    EXPECT_EQ(r->started_at, "2024-01-01T00:00:00.000Z");
    EXPECT_EQ(r->model_path, "");  // the v2 column, defaulted
    EXPECT_DOUBLE_EQ(store.epochs(1).at(0).values.at("loss"), 1.25);
    const auto results = store.results(1);
    ASSERT_EQ(results.size(), 2u);
    EXPECT_EQ(results[0].dataset, "pets");  // v3: results name the dataset evaluated
    // v2 features work on the migrated file.
    store.add_artifact(1, {"prompt.txt", "text", {'a'}});
    EXPECT_EQ(store.artifacts(1).size(), 1u);
    auto rows = store.results_table();
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_DOUBLE_EQ(rows[0].hm, 2.0 * 80 * 60 / 140);
    EXPECT_EQ(store.average_rows().size(), 1u);
    std::int64_t id = store.begin_run(testing::sample_record());
    EXPECT_EQ(store.get_run(id)->model_path, "/models/tiny.pt");
    // v5: the old run got a uid of its own, distinct from the new run's.
    EXPECT_EQ(r->uid.size(), 32u) << r->uid;
    EXPECT_EQ(r->uid.find_first_not_of("0123456789abcdef"), std::string::npos) << r->uid;
    EXPECT_NE(store.get_run(id)->uid, r->uid);
  }
  EXPECT_EQ(raw_query(path, "SELECT group_concat(version) FROM (SELECT version FROM schema_version ORDER BY 1)"),
            "1,2,3,4,5,6,7");
  EXPECT_EQ(raw_query(path, "SELECT count(*) FROM results_average"), "1");
  // Reopening a current file changes nothing.
  RunStore again(path);
  EXPECT_EQ(again.schema_version(), RunStore::kSchemaVersion);
  EXPECT_EQ(again.list_runs().size(), 2u);
}

TEST(Migration, FailedMigrationRollsBackEverything) {
  TempDir dir;
  const std::string path = dir.file("v1-bad.db");
  raw_exec(path, kV1Schema);
  // A stray table with the v2 name makes step 2 fail half-way (after its ALTER TABLE).
  raw_exec(path, "CREATE TABLE artifacts (junk TEXT);");
  try {
    RunStore store(path);
    FAIL() << "expected StoreError";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("version 2"), std::string::npos) << e.what();
  }
  EXPECT_EQ(raw_query(path, "SELECT max(version) FROM schema_version"), "1");
  EXPECT_EQ(raw_query(path, "SELECT count(*) FROM pragma_table_info('runs') WHERE name = 'model_path'"), "0");
  EXPECT_EQ(raw_query(path, "SELECT method || '/' || dataset FROM runs WHERE id = 1"), "coop/pets");
  EXPECT_EQ(raw_query(path, "SELECT count(*) FROM results"), "2");
}

TEST(Migration, NewerSchemaIsRefusedWithBothVersions) {
  TempDir dir;
  const std::string path = dir.file("future.db");
  {
    RunStore store(path);
    store.begin_run(testing::sample_record());
  }
  const std::string future = std::to_string(RunStore::kSchemaVersion + 1);
  raw_exec(path, "INSERT INTO schema_version (version) VALUES (" + future + ");");
  try {
    RunStore store(path);
    FAIL() << "expected StoreError";
  } catch (const StoreError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(path), std::string::npos) << msg;
    EXPECT_NE(msg.find("version " + future), std::string::npos) << msg;
    EXPECT_NE(msg.find("(" + std::to_string(RunStore::kSchemaVersion) + ")"), std::string::npos) << msg;
  }
  EXPECT_EQ(raw_query(path, "SELECT count(*) FROM runs"), "1");
  EXPECT_EQ(raw_query(path, "SELECT max(version) FROM schema_version"), future);
}

}  // namespace
}  // namespace promptlab

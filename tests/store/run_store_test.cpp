// Round trips of every RunStore call, the status lifecycle and bad input.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <thread>

#include "store/run_store.hpp"
#include "store_test_util.hpp"

namespace promptlab {
namespace {

using testing::sample_record;
using testing::TempDir;

TEST(RunStore, CreatesFileAtCurrentSchemaInWalMode) {
  TempDir dir;
  RunStore store(dir.file("p.db"));
  EXPECT_EQ(store.schema_version(), RunStore::kSchemaVersion);
  EXPECT_EQ(store.path(), dir.file("p.db"));
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(dir.file("p.db").c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)), "wal");
  sqlite3_finalize(st);
  sqlite3_close(db);
}

TEST(RunStore, BeginRunRoundTripsEveryField) {
  TempDir dir;
  RunStore store(dir.file("p.db"));
  RunRecord in = sample_record();
  in.status = "finished";  // ignored: a new run is always running
  std::int64_t id = store.begin_run(in);
  EXPECT_GT(id, 0);
  auto out = store.get_run(id);
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->id, id);
  EXPECT_EQ(out->method, in.method);
  EXPECT_EQ(out->learner, in.learner);
  EXPECT_EQ(out->step_rule, in.step_rule);
  EXPECT_EQ(out->dataset, in.dataset);
  EXPECT_EQ(out->protocol, in.protocol);
  EXPECT_EQ(out->protocol_hash, in.protocol_hash);
  EXPECT_EQ(out->seed, in.seed);
  EXPECT_EQ(out->config_json, in.config_json);
  EXPECT_EQ(out->config_hash, in.config_hash);
  EXPECT_EQ(out->plugin_versions_json, in.plugin_versions_json);
  EXPECT_EQ(out->model_checksum, in.model_checksum);
  EXPECT_EQ(out->model_path, in.model_path);
  EXPECT_EQ(out->code_revision, in.code_revision);
  EXPECT_EQ(out->promptlab_version, in.promptlab_version);
  EXPECT_EQ(out->machine, in.machine);
  EXPECT_EQ(out->device, in.device);
  EXPECT_EQ(out->precision, in.precision);
  EXPECT_EQ(out->status, "running");
  EXPECT_EQ(out->error, "");
  EXPECT_EQ(out->started_at.size(), 24u) << out->started_at;  // 2024-01-02T03:04:05.678Z
  EXPECT_EQ(out->started_at.back(), 'Z');
  EXPECT_EQ(out->finished_at, "");
  EXPECT_FALSE(store.get_run(id + 100).has_value());
}

TEST(RunStore, StatusLifecycle) {
  TempDir dir;
  RunStore store(dir.file("p.db"));
  std::int64_t a = store.begin_run(sample_record("coop", "d", 1));
  std::int64_t b = store.begin_run(sample_record("coop", "d", 2));
  std::int64_t c = store.begin_run(sample_record("coop", "d", 3));
  EXPECT_LT(a, b);
  store.finish_run(a, "finished");
  store.finish_run(b, "failed", "loss is NaN at epoch 3");
  store.finish_run(c, "interrupted");
  EXPECT_EQ(store.get_run(a)->status, "finished");
  EXPECT_EQ(store.get_run(b)->status, "failed");
  EXPECT_EQ(store.get_run(b)->error, "loss is NaN at epoch 3");
  EXPECT_EQ(store.get_run(c)->status, "interrupted");
  EXPECT_FALSE(store.get_run(a)->finished_at.empty());
  EXPECT_GE(store.get_run(a)->finished_at, store.get_run(a)->started_at);
  // A run finishes once; unknown statuses and ids are refused with the id in the message.
  EXPECT_THROW(store.finish_run(a, "failed"), StoreError);
  std::int64_t d = store.begin_run(sample_record("coop", "d", 4));
  EXPECT_THROW(store.finish_run(d, "done"), StoreError);
  EXPECT_THROW(store.finish_run(d, "running"), StoreError);
  EXPECT_EQ(store.get_run(d)->status, "running");
  try {
    store.finish_run(9999, "finished");
    FAIL() << "expected StoreError";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("9999"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(dir.file("p.db")), std::string::npos) << e.what();
  }
}

TEST(RunStore, EpochMetricsRoundTripIncludingNaN) {
  TempDir dir;
  RunStore store(dir.file("p.db"));
  std::int64_t id = store.begin_run(sample_record());
  store.log_epoch(id, {0, {{"lr", 1e-5}, {"loss", 2.5}, {"acc", 10.0}}});
  store.log_epoch(id, {1, {{"lr", 0.002}, {"loss", std::numeric_limits<double>::quiet_NaN()},
                           {"cos_mean", 0.91}, {"branch_sam", 7}}});
  store.log_epoch(id, {1, {{"acc", 55.5}}});  // adds to epoch 1
  store.log_epoch(id, {0, {{"loss", 2.25}}});  // replaces epoch 0's loss
  auto e = store.epochs(id);
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0].epoch, 0);
  EXPECT_EQ(e[0].values.size(), 3u);
  EXPECT_DOUBLE_EQ(e[0].values.at("lr"), 1e-5);
  EXPECT_DOUBLE_EQ(e[0].values.at("loss"), 2.25);
  EXPECT_EQ(e[1].epoch, 1);
  EXPECT_EQ(e[1].values.size(), 5u);
  EXPECT_TRUE(std::isnan(e[1].values.at("loss")));
  EXPECT_DOUBLE_EQ(e[1].values.at("branch_sam"), 7);
  EXPECT_DOUBLE_EQ(e[1].values.at("acc"), 55.5);
  EXPECT_TRUE(store.epochs(id + 1).empty());
  EXPECT_THROW(store.log_epoch(id + 1, {0, {{"lr", 1.0}}}), StoreError);
}

TEST(RunStore, RunMetricsRoundTripReplaceAndRefuseUnknownRuns) {
  TempDir dir;
  RunStore store(dir.file("p.db"));
  const std::int64_t id = store.begin_run(sample_record());
  EXPECT_TRUE(store.run_metrics(id).empty());
  store.log_run_metrics(id, {{"sharpness", 0.125}, {"hessian_top_eig", std::numeric_limits<double>::quiet_NaN()}});
  store.log_run_metrics(id, {{"sharpness", 0.5}});  // replaces
  const auto m = store.run_metrics(id);
  ASSERT_EQ(m.size(), 2u);
  EXPECT_DOUBLE_EQ(m.at("sharpness"), 0.5);
  EXPECT_TRUE(std::isnan(m.at("hessian_top_eig")));
  EXPECT_THROW(store.log_run_metrics(id + 1, {{"sharpness", 1.0}}), StoreError);
  EXPECT_THROW(store.log_run_metrics(id, {{"", 1.0}}), StoreError);
}

TEST(RunStore, LandscapesRoundTripReplaceByKeyAndRefuseUnknownRuns) {
  TempDir dir;
  RunStore store(dir.file("p.db"));
  const std::int64_t id = store.begin_run(sample_record());
  const LandscapeKey key{id, "base", "1d 3 range 1 filter seed 0"};
  EXPECT_TRUE(store.landscape(key).empty());
  store.save_landscape(key, {{0, 0, -1.0, 0.0, 2.5, 40.0}, {1, 0, 0.0, 0.0, 1.0, 75.0},
                             {2, 0, 1.0, 0.0, std::numeric_limits<double>::quiet_NaN(), 10.0}});
  store.save_landscape({id, "new", key.grid}, {{0, 0, 0.0, 0.0, 3.0, 50.0}});
  auto back = store.landscape(key);
  ASSERT_EQ(back.size(), 3u);
  EXPECT_EQ(back[1].i, 1);
  EXPECT_DOUBLE_EQ(back[1].loss, 1.0);
  EXPECT_DOUBLE_EQ(back[1].accuracy, 75.0);
  EXPECT_DOUBLE_EQ(back[0].alpha, -1.0);
  EXPECT_TRUE(std::isnan(back[2].loss));
  store.save_landscape(key, {{0, 0, 0.0, 0.0, 0.5, 90.0}});  // replaces the whole grid
  back = store.landscape(key);
  ASSERT_EQ(back.size(), 1u);
  EXPECT_DOUBLE_EQ(back[0].loss, 0.5);
  const auto keys = store.landscapes(id);
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[0].split, "base");
  EXPECT_EQ(keys[1].split, "new");
  EXPECT_THROW(store.save_landscape({id + 1, "base", key.grid}, {}), StoreError);
  EXPECT_THROW(store.save_landscape({id, "", key.grid}, {}), StoreError);
}

TEST(RunStore, ResultsRoundTripInSplitOrder) {
  TempDir dir;
  RunStore store(dir.file("p.db"));
  std::int64_t id = store.begin_run(sample_record());
  store.record_result(id, {"all", 300, 200, 200.0 / 3});
  store.record_result(id, {"new", 100, 60, 60.0});
  store.record_result(id, {"base", 200, 150, 75.0});
  store.record_result(id, {"new", 100, 61, 61.0});  // replaces
  auto r = store.results(id);
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].split, "base");
  EXPECT_EQ(r[0].n, 200);
  EXPECT_EQ(r[0].correct, 150);
  EXPECT_DOUBLE_EQ(r[0].accuracy, 75.0);
  EXPECT_EQ(r[1].split, "new");
  EXPECT_EQ(r[1].correct, 61);
  EXPECT_EQ(r[2].split, "all");
  EXPECT_DOUBLE_EQ(r[2].accuracy, 200.0 / 3);
  EXPECT_THROW(store.record_result(id, {"base", 10, 11, 110.0}), StoreError);
  EXPECT_THROW(store.record_result(id, {"", 10, 1, 10.0}), StoreError);
  EXPECT_THROW(store.record_result(id + 5, {"base", 10, 1, 10.0}), StoreError);
}

TEST(RunStore, ArtifactsRoundTripBinaryAndText) {
  TempDir dir;
  RunStore store(dir.file("p.db"));
  std::int64_t id = store.begin_run(sample_record());
  std::vector<std::uint8_t> bin(1000);
  for (std::size_t i = 0; i < bin.size(); ++i) bin[i] = static_cast<std::uint8_t>(i * 7);  // includes zeros
  store.add_artifact(id, {"ctx.pt", "tensor", bin});
  std::string txt = "a photo of a\n";
  store.add_artifact(id, {"prompt.txt", "text", {txt.begin(), txt.end()}});
  store.add_artifact(id, {"empty.json", "json", {}});
  auto a = store.artifacts(id);
  ASSERT_EQ(a.size(), 3u);
  EXPECT_EQ(a[0].name, "ctx.pt");
  EXPECT_EQ(a[0].kind, "tensor");
  EXPECT_EQ(a[0].data, bin);
  EXPECT_EQ(std::string(a[1].data.begin(), a[1].data.end()), txt);
  EXPECT_TRUE(a[2].data.empty());
  store.add_artifact(id, {"prompt.txt", "text", {'x'}});  // same name replaces
  a = store.artifacts(id);
  ASSERT_EQ(a.size(), 3u);
  EXPECT_EQ(a[1].data, std::vector<std::uint8_t>{'x'});
  EXPECT_THROW(store.add_artifact(id + 1, {"x", "text", {}}), StoreError);
  EXPECT_THROW(store.add_artifact(id, {"", "text", {}}), StoreError);
}

TEST(RunStore, ListRunsFilters) {
  TempDir dir;
  RunStore store(dir.file("p.db"));
  store.begin_run(sample_record("coop", "a", 1, "p1"));
  store.begin_run(sample_record("coop", "b", 1, "p1"));
  store.begin_run(sample_record("sam", "a", 1, "p2"));
  store.begin_run(sample_record("gcscoop", "c", 1, "p1"));
  EXPECT_EQ(store.list_runs().size(), 4u);
  EXPECT_EQ(store.list_runs({{"coop"}, {}, ""}).size(), 2u);
  EXPECT_EQ(store.list_runs({{"coop", "sam"}, {"a"}, ""}).size(), 2u);
  EXPECT_EQ(store.list_runs({{}, {}, "p1"}).size(), 3u);
  auto one = store.list_runs({{"coop"}, {"b"}, "p1"});
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].dataset, "b");
  auto all = store.list_runs();
  EXPECT_LT(all[0].id, all[1].id);
}

TEST(RunStore, FindFinishedMatchesEveryKey) {
  TempDir dir;
  RunStore store(dir.file("p.db"));
  RunRecord r = sample_record("coop", "a", 2, "p1");
  std::int64_t running = store.begin_run(r);
  EXPECT_FALSE(store.find_finished("coop", "a", "p1", 2, "ch1").has_value());
  store.finish_run(running, "failed", "x");
  EXPECT_FALSE(store.find_finished("coop", "a", "p1", 2, "ch1").has_value());
  std::int64_t ok = store.begin_run(r);
  store.finish_run(ok, "finished");
  EXPECT_EQ(store.find_finished("coop", "a", "p1", 2, "ch1"), ok);
  EXPECT_FALSE(store.find_finished("coop", "a", "p1", 3, "ch1").has_value());
  EXPECT_FALSE(store.find_finished("coop", "a", "p1", 2, "other").has_value());
  EXPECT_FALSE(store.find_finished("coop", "a", "p2", 2, "ch1").has_value());
  EXPECT_FALSE(store.find_finished("coop", "b", "p1", 2, "ch1").has_value());
  EXPECT_FALSE(store.find_finished("sam", "a", "p1", 2, "ch1").has_value());
  std::int64_t newer = store.begin_run(r);
  store.finish_run(newer, "finished");
  EXPECT_EQ(store.find_finished("coop", "a", "p1", 2, "ch1"), newer);
}

TEST(RunStore, BeginRunNeedsMethodAndDataset) {
  TempDir dir;
  RunStore store(dir.file("p.db"));
  EXPECT_THROW(store.begin_run(sample_record("", "a")), StoreError);
  EXPECT_THROW(store.begin_run(sample_record("coop", "")), StoreError);
  EXPECT_TRUE(store.list_runs().empty());
}

TEST(RunStore, MoveKeepsTheConnection) {
  TempDir dir;
  RunStore a(dir.file("p.db"));
  std::int64_t id = a.begin_run(sample_record());
  RunStore b(std::move(a));
  EXPECT_TRUE(b.get_run(id).has_value());
  EXPECT_THROW(a.get_run(id), StoreError);  // NOLINT(bugprone-use-after-move): moved-from must throw
  RunStore c(dir.file("q.db"));
  c = std::move(b);
  EXPECT_EQ(c.path(), dir.file("p.db"));
  EXPECT_TRUE(c.get_run(id).has_value());
}

TEST(RunStore, DataSurvivesReopen) {
  TempDir dir;
  std::int64_t id = 0;
  {
    RunStore store(dir.file("p.db"));
    id = store.begin_run(sample_record());
    store.log_epoch(id, {0, {{"loss", 1.5}}});
    store.record_result(id, {"base", 4, 3, 75.0});
    store.finish_run(id, "finished");
  }
  RunStore store(dir.file("p.db"));
  EXPECT_EQ(store.get_run(id)->status, "finished");
  EXPECT_DOUBLE_EQ(store.epochs(id).at(0).values.at("loss"), 1.5);
  EXPECT_EQ(store.results(id).at(0).correct, 3);
}

TEST(RunStore, TwoHandlesOnOneFile) {
  TempDir dir;
  RunStore a(dir.file("p.db"));
  RunStore b(dir.file("p.db"));
  std::int64_t ia = a.begin_run(sample_record("coop"));
  std::int64_t ib = b.begin_run(sample_record("sam"));
  EXPECT_NE(ia, ib);
  EXPECT_EQ(b.get_run(ia)->method, "coop");
  EXPECT_EQ(a.get_run(ib)->method, "sam");
  a.finish_run(ib, "finished");
  EXPECT_EQ(b.get_run(ib)->status, "finished");
}

TEST(RunStore, ConcurrentWritersFromThreads) {
  TempDir dir;
  const std::string path = dir.file("p.db");
  constexpr int kThreads = 4, kRuns = 15;
  std::vector<std::thread> threads;
  std::vector<std::string> errors(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      try {
        RunStore store(path);  // every thread opens (and may race to create) the file
        for (int i = 0; i < kRuns; ++i) {
          std::int64_t id = store.begin_run(sample_record("m" + std::to_string(t), "d", i));
          store.log_epoch(id, {0, {{"loss", 1.0 * i}, {"lr", 0.002}}});
          store.record_result(id, {"base", 10, i % 10, 10.0 * (i % 10)});
          store.finish_run(id, "finished");
        }
      } catch (const std::exception& e) {
        errors[t] = e.what();
      }
    });
  }
  for (auto& th : threads) th.join();
  for (const auto& e : errors) EXPECT_EQ(e, "");
  RunStore store(path);
  auto runs = store.list_runs();
  EXPECT_EQ(runs.size(), static_cast<std::size_t>(kThreads * kRuns));
  for (const auto& r : runs) {
    EXPECT_EQ(r.status, "finished");
    EXPECT_EQ(store.epochs(r.id).at(0).values.size(), 2u);
  }
}

TEST(RunStore, MissingDirectoryIsNamed) {
  TempDir dir;
  const std::string path = dir.file("no/such/dir/p.db");
  try {
    RunStore store(path);
    FAIL() << "expected StoreError";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("does not exist"), std::string::npos) << e.what();
  }
}

TEST(RunStore, NonSqliteFileIsRefusedAndKept) {
  TempDir dir;
  const std::string path = dir.file("notes.db");
  const std::string content = "these are my notes, not a database. they are long enough to fill a header....\n";
  { std::ofstream(path) << content; }
  try {
    RunStore store(path);
    FAIL() << "expected StoreError";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("not a SQLite database"), std::string::npos) << e.what();
  }
  std::ifstream in(path);
  std::string back((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(back, content);
}

TEST(RunStore, ForeignSqliteDatabaseIsRefused) {
  TempDir dir;
  const std::string path = dir.file("other.db");
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE t (x); INSERT INTO t VALUES (1);", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  try {
    RunStore store(path);
    FAIL() << "expected StoreError";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("not a promptlab run store"), std::string::npos) << e.what();
  }
}

TEST(RunStore, DirectoryPathIsRefused) {
  TempDir dir;
  EXPECT_THROW(RunStore store(dir.path().string()), StoreError);
}

}  // namespace
}  // namespace promptlab

namespace promptlab {
namespace {

TEST(RunStoreOwnership, DeadProcessesRunsAreReapedOthersAreNot) {
  testing::TempDir dir;
  const std::string path = dir.file("own.db");
  RunStore store(path);
  RunRecord here = testing::sample_record();
  char host[256] = {0};
  gethostname(host, sizeof host - 1);
  here.machine = host;
  const std::int64_t mine = store.begin_run(here);  // this process: alive
  EXPECT_EQ(store.get_run(mine)->pid, ::getpid());
  const std::int64_t dead = store.begin_run(here);
  const std::int64_t reused = store.begin_run(here);
  RunRecord elsewhere = here;
  elsewhere.machine = "another-host";
  const std::int64_t remote = store.begin_run(elsewhere);
  const std::int64_t unknown = store.begin_run(here);
  // A pid that has exited, a live pid with another start time (reused), and no pid at all.
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ::waitpid(child, nullptr, 0);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  const std::string sql = "UPDATE runs SET pid = " + std::to_string(child) + " WHERE id = " + std::to_string(dead) +
                          "; UPDATE runs SET pid_start = pid_start + 1 WHERE id = " + std::to_string(reused) +
                          "; UPDATE runs SET pid = " + std::to_string(child) + " WHERE id = " + std::to_string(remote) +
                          "; UPDATE runs SET pid = 0 WHERE id = " + std::to_string(unknown) + ";";
  ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  const auto reaped = store.reap_dead_runs();
  EXPECT_EQ(reaped, (std::vector<std::int64_t>{dead, reused}));
  EXPECT_EQ(store.get_run(mine)->status, "running");
  EXPECT_EQ(store.get_run(remote)->status, "running");   // cannot be checked from here
  EXPECT_EQ(store.get_run(unknown)->status, "running");  // recorded before pids were: never touched
  EXPECT_EQ(store.get_run(dead)->status, "interrupted");
  EXPECT_NE(store.get_run(dead)->error.find("pid " + std::to_string(child)), std::string::npos);
  EXPECT_TRUE(store.reap_dead_runs().empty());
  // An interrupted run can be taken back; other states cannot.
  EXPECT_EQ(store.find_interrupted(here.method, here.dataset, here.protocol_hash, here.seed, here.config_hash), reused);
  store.resume_run(dead, host);
  EXPECT_EQ(store.get_run(dead)->status, "running");
  EXPECT_EQ(store.get_run(dead)->error, "");
  EXPECT_THROW(store.resume_run(mine, host), StoreError);
  EXPECT_THROW(store.resume_run(999, host), StoreError);
}

}  // namespace
}  // namespace promptlab

namespace promptlab {
namespace {

TEST(RunStoreStrings, QuotesInjectionAndNonAsciiAreStoredVerbatim) {
  testing::TempDir dir;
  RunStore store(dir.file("strings.db"));
  const std::vector<std::string> texts = {"it's a \"quoted\" name", "x'; DROP TABLE runs; --", "Café – 北京 – 🙂",
                                          std::string("nul\0inside", 10)};
  for (const auto& t : texts) {
    RunRecord r = testing::sample_record(t, t, 1, t);
    r.error = t;
    const std::int64_t id = store.begin_run(r);
    store.record_result(id, {"base", 2, 1, 50.0, t});
    store.add_artifact(id, {t, "text", {t.begin(), t.end()}});
    const auto back = store.get_run(id);
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(back->method, t);
    EXPECT_EQ(back->dataset, t);
    EXPECT_EQ(back->protocol_hash, t);
    EXPECT_EQ(store.results(id).at(0).dataset, t);
    EXPECT_EQ(store.artifacts(id).at(0).name, t);
  }
  EXPECT_EQ(store.list_runs().size(), texts.size());  // the table is still there
}

}  // namespace
}  // namespace promptlab

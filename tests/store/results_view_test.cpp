// The paper-style views against hand-computed numbers.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "store/run_store.hpp"
#include "store_test_util.hpp"

namespace promptlab {
namespace {

using testing::sample_record;
using testing::TempDir;

// Adds one run with the given base/new accuracy and final status.
std::int64_t add_run(RunStore& store, const std::string& method, const std::string& dataset, std::int64_t seed,
                     double base, double neu, const std::string& status = "finished",
                     const std::string& protocol_hash = "P") {
  std::int64_t id = store.begin_run(sample_record(method, dataset, seed, protocol_hash));
  store.record_result(id, {"base", 200, static_cast<std::int64_t>(base * 2), base});
  store.record_result(id, {"new", 200, static_cast<std::int64_t>(neu * 2), neu});
  if (status != "running") store.finish_run(id, status);
  return id;
}

// Two datasets x three seeds of "coop" plus runs that must not count.
void fill(RunStore& store) {
  add_run(store, "coop", "A", 1, 10, 10);  // older duplicate of seed 1: superseded below
  add_run(store, "coop", "A", 1, 80, 60);
  add_run(store, "coop", "A", 2, 82, 61);
  add_run(store, "coop", "A", 3, 84.5, 65);
  add_run(store, "coop", "B", 1, 90, 70);
  add_run(store, "coop", "B", 2, 91, 72);
  add_run(store, "coop", "B", 3, 89.5, 71);
  add_run(store, "coop", "A", 4, 0, 0, "failed");
  add_run(store, "coop", "A", 5, 0, 0, "interrupted");
  add_run(store, "coop", "B", 4, 0, 0, "running");
  std::int64_t base_only = store.begin_run(sample_record("coop", "A", 6, "P"));
  store.record_result(base_only, {"base", 10, 1, 10.0});
  store.finish_run(base_only, "finished");
  add_run(store, "coop", "A", 1, 50, 50, "finished", "Q");  // another protocol: its own row
  add_run(store, "sam", "A", 1, 70, 72);
}

const ResultRow* find_row(const std::vector<ResultRow>& rows, const std::string& method, const std::string& dataset,
                          const std::string& hash) {
  for (const auto& r : rows)
    if (r.method == method && r.dataset == dataset && r.protocol_hash == hash) return &r;
  return nullptr;
}

TEST(ResultsView, PerDatasetMeanStdAndHm) {
  TempDir dir;
  RunStore store(dir.file("p.db"));
  fill(store);
  auto rows = store.results_table();
  ASSERT_EQ(rows.size(), 4u);  // coop A/P, coop B/P, coop A/Q, sam A/P
  const ResultRow* a = find_row(rows, "coop", "A", "P");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->n_seeds, 3);
  EXPECT_EQ(a->protocol, "base2new");
  // base 80, 82, 84.5: mean 246.5/3; sample std sqrt(((-13/6)^2 + (-1/6)^2 + (14/6)^2) / 2)
  EXPECT_NEAR(a->base_mean, 246.5 / 3, 1e-9);
  EXPECT_NEAR(a->base_std, std::sqrt((169.0 + 1.0 + 196.0) / 36.0 / 2.0), 1e-9);
  EXPECT_NEAR(a->base_std, 2.254624876411447, 1e-9);
  // new 60, 61, 65: mean 62, std sqrt((4 + 1 + 9) / 2) = sqrt(7)
  EXPECT_NEAR(a->new_mean, 62.0, 1e-9);
  EXPECT_NEAR(a->new_std, std::sqrt(7.0), 1e-9);
  EXPECT_NEAR(a->hm, 2 * (246.5 / 3) * 62.0 / (246.5 / 3 + 62.0), 1e-9);
  EXPECT_NEAR(a->hm, 70.6728323699422, 1e-9);

  const ResultRow* b = find_row(rows, "coop", "B", "P");
  ASSERT_NE(b, nullptr);
  EXPECT_NEAR(b->base_mean, 270.5 / 3, 1e-9);
  EXPECT_NEAR(b->base_std, 0.7637626158259734, 1e-9);
  EXPECT_NEAR(b->new_mean, 71.0, 1e-9);
  EXPECT_NEAR(b->new_std, 1.0, 1e-9);

  const ResultRow* q = find_row(rows, "coop", "A", "Q");
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->n_seeds, 1);
  EXPECT_EQ(q->base_std, 0.0);  // one seed: std is 0, not NULL
  EXPECT_EQ(q->new_std, 0.0);
  EXPECT_NEAR(q->hm, 50.0, 1e-9);

  const ResultRow* s = find_row(rows, "sam", "A", "P");
  ASSERT_NE(s, nullptr);
  EXPECT_NEAR(s->hm, 2 * 70.0 * 72.0 / 142.0, 1e-9);
}

TEST(ResultsView, AllDatasetsRowAveragesFirstThenHm) {
  TempDir dir;
  RunStore store(dir.file("p.db"));
  fill(store);
  auto avg = store.average_rows();
  ASSERT_EQ(avg.size(), 3u);  // coop/P, coop/Q, sam/P
  const ResultRow* a = find_row(avg, "coop", "average", "P");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->n_datasets, 2);
  EXPECT_EQ(a->n_seeds, 3);
  const double base = (246.5 / 3 + 270.5 / 3) / 2, neu = (62.0 + 71.0) / 2;
  EXPECT_NEAR(a->base_mean, base, 1e-9);
  EXPECT_NEAR(a->new_mean, neu, 1e-9);
  EXPECT_NEAR(a->hm, 2 * base * neu / (base + neu), 1e-9);
  EXPECT_NEAR(a->hm, 75.06659388646288, 1e-9);
  // HM of the averages, not the average of the per-dataset HMs.
  const double mean_of_hms = (70.6728323699422 + 2 * (270.5 / 3) * 71.0 / (270.5 / 3 + 71.0)) / 2;
  EXPECT_GT(std::abs(a->hm - mean_of_hms), 1e-3);
  // Std over seeds of the per-seed dataset averages: base 85, 86.5, 87; new 65, 66.5, 68.
  EXPECT_NEAR(a->base_std, 1.0408329997330663, 1e-9);
  EXPECT_NEAR(a->new_std, 1.5, 1e-9);
}

TEST(ResultsView, FiltersRestrictRowsAndTheAverage) {
  TempDir dir;
  RunStore store(dir.file("p.db"));
  fill(store);
  auto rows = store.results_table({{"coop"}, {}, "P"});
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].dataset, "A");
  EXPECT_EQ(rows[1].dataset, "B");
  EXPECT_EQ(store.results_table({{"sam", "coop"}, {"B"}, ""}).size(), 1u);
  auto avg = store.average_rows({{"coop"}, {"B"}, "P"});
  ASSERT_EQ(avg.size(), 1u);
  EXPECT_EQ(avg[0].n_datasets, 1);
  EXPECT_NEAR(avg[0].base_mean, 270.5 / 3, 1e-9);
  EXPECT_NEAR(avg[0].base_std, 0.7637626158259734, 1e-9);
  EXPECT_TRUE(store.results_table({{"nobody"}, {}, ""}).empty());
  EXPECT_TRUE(store.average_rows({{}, {}, "nohash"}).empty());
}

TEST(ResultsView, UnevenSeedsReportTheFewest) {
  TempDir dir;
  RunStore store(dir.file("p.db"));
  add_run(store, "coop", "A", 1, 80, 60);
  add_run(store, "coop", "A", 2, 82, 62);
  add_run(store, "coop", "B", 1, 90, 70);
  auto avg = store.average_rows();
  ASSERT_EQ(avg.size(), 1u);
  EXPECT_EQ(avg[0].n_seeds, 1);
  EXPECT_EQ(avg[0].n_datasets, 2);
  EXPECT_NEAR(avg[0].base_mean, (81.0 + 90.0) / 2, 1e-9);
}

TEST(ResultsView, EmptyStoreGivesNoRows) {
  TempDir dir;
  RunStore store(dir.file("p.db"));
  EXPECT_TRUE(store.results_table().empty());
  EXPECT_TRUE(store.average_rows().empty());
}

TEST(ResultsView, PlainSqliteCanReadTheViews) {
  TempDir dir;
  const std::string path = dir.file("p.db");
  {
    RunStore store(path);
    fill(store);
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db,
                               "SELECT seeds, base_mean, hm FROM results_table "
                               "WHERE method = 'coop' AND dataset = 'A' AND protocol_hash = 'P'",
                               -1, &st, nullptr),
            SQLITE_OK)
      << sqlite3_errmsg(db);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(st, 0), 3);
  EXPECT_NEAR(sqlite3_column_double(st, 1), 246.5 / 3, 1e-9);
  EXPECT_NEAR(sqlite3_column_double(st, 2), 70.6728323699422, 1e-9);
  sqlite3_finalize(st);
  sqlite3_close(db);

  // The sqlite3 shell, when installed, sees the same table.
  if (!std::filesystem::exists("/usr/bin/sqlite3")) GTEST_SKIP() << "no sqlite3 shell installed";
  std::string cmd = "/usr/bin/sqlite3 '" + path + "' \"select method, dataset, seeds from results_table\" 2>&1";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(cmd.c_str(), "r"), pclose);
  ASSERT_TRUE(pipe);
  std::string out;
  std::array<char, 256> buf{};
  while (fgets(buf.data(), buf.size(), pipe.get())) out += buf.data();
  EXPECT_NE(out.find("coop|A|3"), std::string::npos) << out;
  EXPECT_NE(out.find("coop|B|3"), std::string::npos) << out;
  std::string avg_cmd = "/usr/bin/sqlite3 '" + path + "' \"select method, datasets from results_average\" 2>&1";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe2(popen(avg_cmd.c_str(), "r"), pclose);
  ASSERT_TRUE(pipe2);
  out.clear();
  while (fgets(buf.data(), buf.size(), pipe2.get())) out += buf.data();
  EXPECT_NE(out.find("coop|2"), std::string::npos) << out;
}

TEST(ResultsView, SharpnessResultsSetsEachCountedRunsSharpnessBesideItsAccuracy) {
  TempDir dir;
  const std::string path = dir.file("p.db");
  std::int64_t measured = 0;
  {
    RunStore store(path);
    add_run(store, "coop", "A", 1, 10, 10);  // superseded by the next: not counted
    measured = add_run(store, "coop", "A", 1, 80, 60);
    store.log_run_metrics(measured, {{"train_loss_final", 0.5}, {"sharpness", 0.0625}, {"hessian_top_eig", 3.0}});
    add_run(store, "sam", "A", 1, 70, 72);  // counted, but not measured: NULLs
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db,
                               "SELECT run_id, method, base, new, train_loss, sharpness, hessian_top_eig "
                               "FROM sharpness_results ORDER BY method",
                               -1, &st, nullptr),
            SQLITE_OK)
      << sqlite3_errmsg(db);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int64(st, 0), measured);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, 1))), "coop");
  EXPECT_DOUBLE_EQ(sqlite3_column_double(st, 2), 80.0);
  EXPECT_DOUBLE_EQ(sqlite3_column_double(st, 3), 60.0);
  EXPECT_DOUBLE_EQ(sqlite3_column_double(st, 4), 0.5);
  EXPECT_DOUBLE_EQ(sqlite3_column_double(st, 5), 0.0625);
  EXPECT_DOUBLE_EQ(sqlite3_column_double(st, 6), 3.0);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, 1))), "sam");
  EXPECT_EQ(sqlite3_column_type(st, 5), SQLITE_NULL);
  EXPECT_EQ(sqlite3_step(st), SQLITE_DONE);
  sqlite3_finalize(st);
  sqlite3_close(db);
}

}  // namespace
}  // namespace promptlab

namespace promptlab {
namespace {

TEST(ResultsView, TheCliHarmonicMeanIsTheViewsFormula) {
  testing::TempDir dir;
  RunStore store(dir.file("hm.db"));
  EXPECT_NEAR(store.harmonic_mean(80.0, 60.0), 2.0 * 80 * 60 / 140, 1e-12);  // 68.571...
  EXPECT_DOUBLE_EQ(store.harmonic_mean(50.0, 50.0), 50.0);
  EXPECT_DOUBLE_EQ(store.harmonic_mean(0.0, 0.0), 0.0);
  EXPECT_DOUBLE_EQ(store.harmonic_mean(70.0, 0.0), 0.0);
}

}  // namespace
}  // namespace promptlab

// `bench --jobs N`: the grid's cells as N concurrent processes on one store give the same results
// as one process, every cell's output is in its own log, and a failing cell is named with its log.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <tuple>

#include "cli/cli_test_util.hpp"
#include "sweep/cell_processes.hpp"

namespace promptlab {
namespace {
namespace fs = std::filesystem;

// (method, dataset, split) -> (correct, n) of every finished run in the store.
std::map<std::tuple<std::string, std::string, std::string>, std::pair<std::int64_t, std::int64_t>> results_of(
    const std::string& db) {
  RunStore store(db);
  std::map<std::tuple<std::string, std::string, std::string>, std::pair<std::int64_t, std::int64_t>> out;
  for (const auto& run : store.list_runs()) {
    EXPECT_EQ(run.status, "finished") << run.method << " on " << run.dataset << ": " << run.error;
    for (const auto& r : store.results(run.id)) out[{run.method, run.dataset, r.split}] = {r.correct, r.n};
  }
  return out;
}

TEST(BenchJobs, ProcessesInParallelGiveTheResultsOfOneProcess) {
  PROMPTLAB_REQUIRE_EMBEDDED_MODEL();
  const fs::path dir = test::fresh_dir("bench_jobs");
  const std::string grid = "bench --methods zeroshot,coop --datasets tiny_shapes,tiny_colors --seeds 1 "
                           "--set train.epochs=2 --set train.views=1 ";
  auto one = test::run_cli("--threads 1 " + grid + "--db " + (dir / "one.db").string());
  ASSERT_EQ(one.exit_code, 0) << one.output;
  auto two = test::run_cli("--threads 1 " + grid + "--jobs 2 --db " + (dir / "two.db").string());
  ASSERT_EQ(two.exit_code, 0) << two.output;
  EXPECT_NE(two.output.find("4 cell processes, 2 at a time: 4 succeeded, 0 failed"), std::string::npos) << two.output;
  const auto sequential = results_of((dir / "one.db").string());
  ASSERT_EQ(sequential.size(), 8u);  // 2 methods x 2 datasets x (base, new)
  EXPECT_EQ(results_of((dir / "two.db").string()), sequential);
  for (const std::string method : {"zeroshot", "coop"}) {
    for (const std::string dataset : {"tiny_shapes", "tiny_colors"}) {
      const fs::path log = cell_log_path((dir / "two.db.d" / "logs").string(), {method, dataset, 1});
      EXPECT_TRUE(fs::exists(log)) << log;
      EXPECT_GT(fs::file_size(log), 0u) << log;
    }
  }
  // The table covers every cell.
  EXPECT_NE(two.output.find("tiny_colors"), std::string::npos) << two.output;
  // Again: every cell is already finished, so each process skips it.
  auto again = test::run_cli("--threads 1 " + grid + "--jobs 2 --db " + (dir / "two.db").string());
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_EQ(RunStore((dir / "two.db").string()).list_runs().size(), 4u);
  fs::remove_all(dir);
}

TEST(BenchJobs, AFailingCellIsNamedWithItsLog) {
  PROMPTLAB_REQUIRE_EMBEDDED_MODEL();
  const fs::path dir = test::fresh_dir("bench_jobs_failing");
  const std::string db = (dir / "runs.db").string();
  auto r = test::run_cli("--threads 1 bench --methods coop --datasets tiny_shapes --seeds 1,2 --set train.epochs=1 "
                         "--set train.views=1 --jobs 2 --db " + db,
                         "PROMPTLAB_FAULT=store-after-training");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("0 succeeded, 2 failed"), std::string::npos) << r.output;
  const std::string log = cell_log_path(db + ".d/logs", {"coop", "tiny_shapes", 2});
  EXPECT_NE(r.output.find("failed: " + log), std::string::npos) << r.output;
  EXPECT_TRUE(fs::exists(log));
  EXPECT_EQ(test::run_cli("bench --jobs 0 --methods coop --db " + db).exit_code, 1);
  fs::remove_all(dir);
}

TEST(BenchJobs, DevicesRunOneCellProcessOnEach) {
  PROMPTLAB_REQUIRE_EMBEDDED_MODEL();
  const fs::path dir = test::fresh_dir("bench_jobs_devices");
  const std::string db = (dir / "runs.db").string();
  auto r = test::run_cli("--threads 1 bench --methods coop --datasets tiny_shapes --seeds 1,2,3 --set train.epochs=1 "
                         "--set train.views=1 --devices cpu,cpu --db " + db);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("3 cell processes, 2 at a time: 3 succeeded"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(" on cpu, log "), std::string::npos) << r.output;
  RunStore store(db);
  ASSERT_EQ(store.list_runs().size(), 3u);
  for (const auto& run : store.list_runs()) {
    EXPECT_EQ(run.device, "cpu");
    EXPECT_NE(run.config_json.find("\"model.device\":\"cpu\""), std::string::npos) << run.config_json;
  }
  const auto refused = [&db](const std::string& args, const std::string& needle) {
    auto bad = test::run_cli("bench --methods coop --datasets tiny_shapes " + args + " --db " + db);
    EXPECT_NE(bad.exit_code, 0) << args;
    EXPECT_NE(bad.output.find(needle), std::string::npos) << bad.output;
  };
  refused("--devices gpu0", "--devices must be cpu, cuda or cuda:N, got 'gpu0'");
  refused("--devices cpu,cpu --jobs 3", "disagree");
  refused("--devices cpu --executor slurm", "--devices is for --executor local");
  EXPECT_EQ(store.list_runs().size(), 3u);
  fs::remove_all(dir);
}

TEST(BenchJobs, TheCellCommandCarriesTheGridsOptions) {
  const auto argv = cell_command("/bin/promptlab", {"--db", "x.db"}, {"--set", "optim.lr=0.1"},
                                      {"coop", "tiny_shapes", 3});
  const std::vector<std::string> want{"/bin/promptlab", "--db",        "x.db",    "bench", "--methods", "coop",
                                      "--datasets",     "tiny_shapes", "--seeds", "3",     "--set",     "optim.lr=0.1"};
  EXPECT_EQ(argv, want);
}

}  // namespace
}  // namespace promptlab

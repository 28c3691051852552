// `bench --executor slurm` and `promptlab sweep` on bad input, without a cluster: every refusal
// names what was wrong, and a failed submission keeps the planned sweep for a resubmission.
// (The whole path through a real Slurm: tests/slurm/sweep_on_slurm.sh.)
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "cli/cli_test_util.hpp"
#include "sweep/sweep_manifest.hpp"

namespace promptlab {
namespace {
namespace fs = std::filesystem;

void expect_refused(const test::CommandResult& r, const std::string& needle) {
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find(needle), std::string::npos) << r.output;
}

TEST(SweepCli, RefusesBadOptionsNamingThem) {
  const fs::path dir = test::fresh_dir("sweep_cli_options");
  const std::string db = " --db " + (dir / "runs.db").string();
  expect_refused(test::run_cli("bench --methods coop --executor pbs" + db), "--executor must be local or slurm, got 'pbs'");
  expect_refused(test::run_cli("bench --methods coop --wait" + db), "--wait needs --executor slurm");
  expect_refused(test::run_cli("bench --methods coop --executor slurm --jobs 2" + db), "--jobs is for --executor local");
  const std::string bad = (dir / "slurm.toml").string();
  {
    std::ofstream out(bad);
    out << "partition = \"gpu\"\ngpus = 2\n";
  }
  expect_refused(test::run_cli("bench --methods coop --datasets tiny_shapes --executor slurm --slurm-config " + bad + db),
                 "unknown key 'gpus'");
  expect_refused(test::run_cli("bench --methods coop --datasets tiny_shapes --executor slurm" + db,
                               "PROMPTLAB_SLURM_CONFIG=" + bad),
                 bad);
  EXPECT_FALSE(fs::exists(dir / "runs.db.d" / "sweeps")) << "a refused sweep left a folder";
  expect_refused(test::run_cli("sweep status " + (dir / "nowhere").string()), "nowhere");
  expect_refused(test::run_cli("sweep collect " + (dir / "nowhere").string()), "no manifest");
  fs::remove_all(dir);
}

TEST(SweepCli, AFailedSubmissionKeepsThePlannedSweep) {
  PROMPTLAB_REQUIRE_EMBEDDED_MODEL();
  const fs::path dir = test::fresh_dir("sweep_cli_sbatch");
  // An sbatch that refuses every job, first on PATH.
  const fs::path bin = dir / "bin";
  fs::create_directories(bin);
  {
    std::ofstream out(bin / "sbatch");
    out << "#!/bin/sh\necho 'sbatch: error: Batch job submission failed: Invalid account' >&2\nexit 1\n";
  }
  fs::permissions(bin / "sbatch", fs::perms::owner_all);
  const std::string sweep = (dir / "sweep").string();
  const auto r = test::run_cli("bench --methods coop,zeroshot --datasets tiny_shapes --seeds 1,2 --text-chunk 7 --no-shared-prefix "
                               "--executor slurm --sweep " + sweep + " --db " + (dir / "runs.db").string(),
                               "PATH=" + bin.string() + ":" + std::getenv("PATH"));
  expect_refused(r, "Invalid account");
  EXPECT_NE(r.output.find("promptlab sweep resubmit " + sweep), std::string::npos) << r.output;
  const SweepManifest m = read_sweep(sweep);
  EXPECT_EQ(m.cells.size(), 4u);
  EXPECT_TRUE(m.submissions.empty());
  EXPECT_EQ(m.runs_per_cell, 1u);
  EXPECT_EQ(m.store, (dir / "runs.db").string());
  // The cells reach the task's bench with the store's cache folder and absolute paths.
  const auto cache = std::find(m.bench_args.begin(), m.bench_args.end(), "--cache-dir");
  ASSERT_NE(cache, m.bench_args.end());
  EXPECT_EQ(*(cache + 1), (dir / "runs.db.d").string());
  // A --text-chunk other than the default, and --no-shared-prefix, reach the tasks too.
  const auto chunk = std::find(m.bench_args.begin(), m.bench_args.end(), "--text-chunk");
  ASSERT_NE(chunk, m.bench_args.end());
  EXPECT_EQ(*(chunk + 1), "7");
  EXPECT_NE(std::find(m.bench_args.begin(), m.bench_args.end(), "--no-shared-prefix"), m.bench_args.end());
  // A second bench into the same folder is refused rather than mixing two sweeps.
  expect_refused(test::run_cli("bench --methods coop --datasets tiny_shapes --executor slurm --sweep " + sweep +
                               " --db " + (dir / "runs.db").string()),
                 "already holds a sweep");
  fs::remove_all(dir);
}

}  // namespace
}  // namespace promptlab

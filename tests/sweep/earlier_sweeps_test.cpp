// settle_earlier_sweeps: a new sweep on a store collects what earlier ones finished and leaves out
// what they still have queued or running (a stand-in squeue answers for Slurm).
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "store/store_test_util.hpp"
#include "sweep/fake_slurm.hpp"
#include "sweep/earlier_sweeps.hpp"

namespace promptlab {
namespace {

using testing::FakeSlurm;
using testing::sample_record;
using testing::TempDir;

SweepManifest sweep_in(const std::string& dir, const std::string& store, const std::string& job,
                       const std::vector<std::string>& bench_args) {
  SweepManifest m;
  m.dir = dir;
  m.store = store;
  m.protocol_hash = "ph1";
  m.bench_args = bench_args;
  m.cells = {{"coop", "shapes", 1}, {"coop", "shapes", 2}};
  m.submissions = {{job, {0, 1}, "t"}};
  m.created_at = "t";
  write_sweep(m);
  std::filesystem::create_directories(dir + "/shards");
  return m;
}

TEST(EarlierSweeps, CollectsFinishedCellsAndListsBusyOnes) {
  TempDir dir;
  const FakeSlurm slurm(dir.path().string());
  // Job 70: cell 0 has ended, cell 1 runs. Job 80 (other settings): cell 1 runs. No accounting.
  slurm.tool("squeue", "echo '70_0|COMPLETED'\necho '70_1|RUNNING'\necho '80_1|RUNNING'\n");
  slurm.tool("sacct", "echo 'accounting storage is disabled' >&2\nexit 1\n");
  const std::string root = dir.file("main.db.d/sweeps");
  RunStore main(dir.file("main.db"));
  const SweepManifest same = sweep_in(root + "/a", dir.file("main.db"), "70", {"--set", "x=1"});
  sweep_in(root + "/b", dir.file("main.db"), "80", {"--set", "x=2"});
  sweep_in(root + "/c", dir.file("other.db"), "70", {"--set", "x=1"});  // another store's: ignored
  {
    RunStore other(dir.file("other.db"));
  }
  {
    RunStore shard(same.shard_path(0));
    const std::int64_t id = shard.begin_run(sample_record("coop", "shapes", 1, "ph1"));
    shard.finish_run(id, "finished");
  }
  const EarlierSweeps e = settle_earlier_sweeps(root, main, "ph1", {"--set", "x=1"});
  EXPECT_EQ(e.sweeps, 2);
  EXPECT_EQ(e.runs_collected, 1);
  EXPECT_EQ(main.list_runs().size(), 1u);
  EXPECT_EQ(e.busy, (std::set<CellKey>{{"coop", "shapes", 2}}));  // b's running cell has other settings
  // Another protocol: nothing is busy, though the shards are still collected (idempotently).
  const EarlierSweeps other = settle_earlier_sweeps(root, main, "ph2", {"--set", "x=1"});
  EXPECT_TRUE(other.busy.empty());
  EXPECT_EQ(other.runs_collected, 0);
  EXPECT_EQ(settle_earlier_sweeps(dir.file("nowhere"), main, "ph1", {}).sweeps, 0);
}

TEST(EarlierSweeps, RefusesWhenSlurmCannotSayWhatRuns) {
  TempDir dir;
  const FakeSlurm slurm(dir.path().string());
  slurm.tool("squeue", "echo 'slurm_load_jobs error: Unable to contact slurm controller' >&2\nexit 1\n");
  slurm.tool("sacct", "exit 1\n");
  const std::string root = dir.file("main.db.d/sweeps");
  RunStore main(dir.file("main.db"));
  sweep_in(root + "/a", dir.file("main.db"), "70", {});
  try {
    settle_earlier_sweeps(root, main, "ph1", {});
    FAIL() << "went on without knowing which cells run";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("Unable to contact slurm controller"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace promptlab

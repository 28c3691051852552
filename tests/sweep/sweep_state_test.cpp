// Cell states from Slurm's answer and the shards, and collecting shards into the main store.
#include <gtest/gtest.h>

#include "store/store_test_util.hpp"
#include "sweep/sweep_state.hpp"

namespace promptlab {
namespace {

using testing::sample_record;
using testing::TempDir;

// Five cells, each submitted in job 50 (cell 4 never submitted); two shot counts per cell.
SweepManifest manifest_in(const TempDir& dir) {
  SweepManifest m;
  m.dir = dir.file("sweep");
  m.store = dir.file("main.db");
  m.protocol_hash = "ph1";
  m.runs_per_cell = 2;
  for (int s = 1; s <= 5; ++s) m.cells.push_back({"coop", "shapes", s});
  m.submissions = {{"50", {0, 1, 2, 3}, "t"}};
  std::filesystem::create_directories(m.dir + "/shards");
  return m;
}

// A run of cell `index` at `shots` in its shard, left in `status`.
std::int64_t shard_run(const SweepManifest& m, std::size_t index, std::int64_t shots, const std::string& status) {
  RunStore shard(m.shard_path(index));
  RunRecord r = sample_record("coop", "shapes", m.cells[index].seed, m.protocol_hash);
  r.shots = shots;
  const std::int64_t id = shard.begin_run(r);
  shard.record_result(id, {"base", 10, 8, 80.0, ""});
  shard.record_result(id, {"new", 10, 6, 60.0, ""});
  if (status != "running") shard.finish_run(id, status, status == "finished" ? "" : "went wrong");
  return id;
}

TaskStates answered(std::map<std::string, std::string> active, std::map<std::string, std::string> ended = {}) {
  TaskStates t;
  t.queue_known = true;
  t.active = std::move(active);
  t.ended = std::move(ended);
  return t;
}

TEST(SweepState, CellsFromQueueAndShards) {
  TempDir dir;
  const SweepManifest m = manifest_in(dir);
  shard_run(m, 0, 1, "finished");
  shard_run(m, 0, 2, "finished");
  shard_run(m, 1, 1, "finished");  // cell 1: one of two shot counts, then its task died
  shard_run(m, 2, 1, "failed");
  shard_run(m, 2, 2, "finished");
  shard_run(m, 3, 1, "interrupted");
  const auto states = cell_states(m, answered({}, {{"50_1", "TIMEOUT"}}));
  ASSERT_EQ(states.size(), 5u);
  EXPECT_EQ(states[0].state, CellState::finished);
  EXPECT_EQ(states[0].task, "50_0");
  EXPECT_EQ(states[1].state, CellState::failed);
  EXPECT_NE(states[1].detail.find("TIMEOUT"), std::string::npos) << states[1].detail;
  EXPECT_NE(states[1].detail.find("1 of 2"), std::string::npos) << states[1].detail;
  EXPECT_NE(states[1].detail.find(m.log_path(1, "50")), std::string::npos) << states[1].detail;
  EXPECT_EQ(states[2].state, CellState::failed);
  EXPECT_NE(states[2].detail.find("went wrong"), std::string::npos) << states[2].detail;
  EXPECT_EQ(states[3].state, CellState::interrupted);
  EXPECT_NE(states[3].detail.find("promptlab sweep resubmit"), std::string::npos) << states[3].detail;
  EXPECT_EQ(states[4].state, CellState::unsubmitted);
  EXPECT_EQ(state_counts(states), "1 finished, 2 failed, 1 interrupted, 1 unsubmitted");

  // Queued and running tasks win over what their shards hold from an earlier attempt.
  const auto live = cell_states(m, answered({{"50_2", "PENDING"}, {"50_3", "RUNNING"}}));
  EXPECT_EQ(live[2].state, CellState::pending);
  EXPECT_EQ(live[3].state, CellState::running);

  // Without Slurm's answer, ended tasks cannot be told from live ones.
  TaskStates unknown;
  unknown.problem = "squeue failed";
  const auto blind = cell_states(m, unknown);
  EXPECT_EQ(blind[0].state, CellState::unknown);
  EXPECT_EQ(blind[0].detail, "squeue failed");
}

TEST(SweepState, NewerRunOfAShotCountReplacesTheOlder) {
  TempDir dir;
  const SweepManifest m = manifest_in(dir);
  shard_run(m, 0, 1, "interrupted");
  shard_run(m, 0, 1, "finished");  // the resubmitted task's run
  shard_run(m, 0, 2, "finished");
  EXPECT_EQ(cell_states(m, answered({}))[0].state, CellState::finished);
}

TEST(SweepState, CollectMergesEndedShardsOnceAndMarksOrphanedRuns) {
  TempDir dir;
  const SweepManifest m = manifest_in(dir);
  shard_run(m, 0, 1, "finished");
  shard_run(m, 0, 2, "finished");
  const std::int64_t orphan = shard_run(m, 1, 1, "running");  // its task was killed outright
  shard_run(m, 2, 1, "running");                              // its task is still running
  RunStore main(m.store);
  const TaskStates tasks = answered({{"50_2", "RUNNING"}}, {{"50_1", "CANCELLED"}});
  const CollectReport first = collect_shards(m, tasks, main);
  EXPECT_EQ(first.shards, 2);
  EXPECT_EQ(first.waiting, 1);
  EXPECT_EQ(first.merged.added, 3);
  EXPECT_EQ(first.marked_interrupted, std::vector<std::int64_t>{orphan});
  {
    RunStore shard(m.shard_path(1));
    const RunRecord r = *shard.get_run(orphan);
    EXPECT_EQ(r.status, "interrupted");
    EXPECT_NE(r.error.find("50_1"), std::string::npos) << r.error;
    EXPECT_NE(r.error.find("CANCELLED"), std::string::npos) << r.error;
  }
  EXPECT_EQ(main.list_runs().size(), 3u);
  EXPECT_EQ(cell_states(m, tasks)[1].state, CellState::interrupted);

  const CollectReport again = collect_shards(m, tasks, main);
  EXPECT_EQ(again.merged.added, 0);
  EXPECT_EQ(again.merged.unchanged, 3);
  EXPECT_EQ(main.list_runs().size(), 3u);

  TaskStates unknown;
  unknown.problem = "squeue: cannot reach the controller";
  try {
    collect_shards(m, unknown, main);
    FAIL() << "collected without knowing which tasks ended";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot reach the controller"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace promptlab

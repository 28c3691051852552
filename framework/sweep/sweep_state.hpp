#pragma once
// Where each cell of a sweep stands, from Slurm's view of its newest task and from its shard,
// and collecting: the shards of ended tasks merged into the main store.
#include <string>
#include <vector>

#include "store/run_store.hpp"
#include "sweep/slurm.hpp"
#include "sweep/sweep_manifest.hpp"

namespace promptlab {

/// pending and running come from Slurm; finished, failed and interrupted from the cell's runs
/// once its task has ended; unsubmitted cells were never sent; unknown: Slurm could not be asked.
enum class CellState { pending, running, finished, failed, interrupted, unsubmitted, unknown };

/// "pending", "running", ...
std::string to_string(CellState state);

struct CellStatus {
  std::size_t index = 0;
  CellState state = CellState::unknown;
  std::string task;    // JOBID_INDEX of its newest submission ("" if none)
  std::string detail;  // Slurm's state of an ended task, a run's error, the log to read
};

/// Every cell's state. Shards of tasks still queued or running are not opened (their task may be
/// writing them from another host).
std::vector<CellStatus> cell_states(const SweepManifest& manifest, const TaskStates& tasks);

/// Counts of cells per state, as "2 finished, 1 failed" (states with no cell left out).
std::string state_counts(const std::vector<CellStatus>& cells);

struct CollectReport {
  MergeReport merged;            // summed over the shards
  int shards = 0;                // shards merged
  int waiting = 0;               // shards left for later: their task is still queued or running
  std::vector<std::int64_t> marked_interrupted;  // shard runs left running by a task that ended
};

/// Merges the shard of every cell whose task has ended into `main`. A run the task left
/// `running` (killed before it could record its end) is first marked interrupted in its shard,
/// so that a resubmission resumes it. Throws, merging nothing, when Slurm could not be asked
/// (tasks.queue_known false): a shard of a task that may still be running is never touched.
CollectReport collect_shards(const SweepManifest& manifest, const TaskStates& tasks, RunStore& main);

}  // namespace promptlab

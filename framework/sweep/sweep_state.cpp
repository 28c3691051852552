#include "sweep/sweep_state.hpp"

#include <filesystem>
#include <map>
#include <stdexcept>

namespace promptlab {

namespace {

// The newest run of each shot count of the cell in its shard, oldest shot count first.
std::vector<RunRecord> newest_runs(const SweepManifest& m, std::size_t index) {
  const ProcessCell& cell = m.cells[index];
  RunStore shard(m.shard_path(index));
  std::map<std::int64_t, RunRecord> by_shots;  // list_runs is oldest first: later ones replace
  for (auto& r : shard.list_runs({{cell.method}, {cell.dataset}, m.protocol_hash}))
    if (r.seed == cell.seed) by_shots[r.shots] = std::move(r);
  std::vector<RunRecord> runs;
  for (auto& [shots, r] : by_shots) runs.push_back(std::move(r));
  return runs;
}

std::string ended_state(const TaskStates& tasks, const std::string& task) {
  const auto it = tasks.ended.find(task);
  return it == tasks.ended.end() ? "" : it->second;
}

}  // namespace

std::string to_string(CellState state) {
  switch (state) {
    case CellState::unsubmitted: return "unsubmitted";
    case CellState::pending: return "pending";
    case CellState::running: return "running";
    case CellState::finished: return "finished";
    case CellState::failed: return "failed";
    case CellState::interrupted: return "interrupted";
    case CellState::unknown: break;
  }
  return "unknown";
}

std::vector<CellStatus> cell_states(const SweepManifest& m, const TaskStates& tasks) {
  std::vector<CellStatus> out;
  for (std::size_t i = 0; i < m.cells.size(); ++i) {
    CellStatus s;
    s.index = i;
    const std::string job = m.job_of(i);
    if (job.empty()) {
      s.state = CellState::unsubmitted;
      out.push_back(s);
      continue;
    }
    s.task = task_name(job, i);
    if (const auto it = tasks.active.find(s.task); it != tasks.active.end()) {
      s.state = it->second == "PENDING" ? CellState::pending : CellState::running;
      s.detail = it->second;
      out.push_back(s);
      continue;
    }
    if (!tasks.queue_known) {
      s.detail = tasks.problem;
      out.push_back(s);
      continue;
    }
    const std::string slurm = ended_state(tasks, s.task);
    const std::string log = m.log_path(i, job);
    std::vector<RunRecord> runs;
    if (std::filesystem::exists(m.shard_path(i))) runs = newest_runs(m, i);
    std::size_t finished = 0;
    const RunRecord* failed = nullptr;
    const RunRecord* stopped = nullptr;
    for (const auto& r : runs) {
      if (r.status == "finished") ++finished;
      if (r.status == "failed" && !failed) failed = &r;
      if ((r.status == "interrupted" || r.status == "running") && !stopped) stopped = &r;
    }
    if (finished >= m.runs_per_cell && !failed && !stopped) {
      s.state = CellState::finished;
    } else if (failed) {
      s.state = CellState::failed;
      s.detail = "run " + std::to_string(failed->id) + ": " + failed->error + "; log " + log;
    } else if (stopped) {
      // The run's own error text suggests `run --resume` with its id in the shard; for a sweep the
      // way on is a resubmission, which resumes it from its last epoch.
      s.state = CellState::interrupted;
      s.detail = std::string(stopped->status == "running" ? "left running by its task (collect marks it interrupted)"
                                                          : "stopped") +
                 (slurm.empty() ? "" : " (Slurm: " + slurm + ")") + "; `promptlab sweep resubmit` continues it; log " +
                 log;
    } else {
      s.state = CellState::failed;
      s.detail = "the task ended" + (slurm.empty() ? std::string() : " (" + slurm + ")") + " with " +
                 std::to_string(finished) + " of " + std::to_string(m.runs_per_cell) + " runs finished; log " + log;
    }
    out.push_back(s);
  }
  return out;
}

std::string state_counts(const std::vector<CellStatus>& cells) {
  std::map<int, int> counts;
  for (const auto& c : cells) ++counts[static_cast<int>(c.state)];
  std::string out;
  for (const auto& [state, n] : counts)
    out += (out.empty() ? "" : ", ") + std::to_string(n) + " " + to_string(static_cast<CellState>(state));
  return out.empty() ? "no cells" : out;
}

CollectReport collect_shards(const SweepManifest& m, const TaskStates& tasks, RunStore& main) {
  if (!tasks.queue_known)
    throw std::runtime_error("sweep " + m.dir + ": cannot tell which tasks have ended, so nothing was merged: " +
                             tasks.problem);
  CollectReport report;
  for (std::size_t i = 0; i < m.cells.size(); ++i) {
    const std::string job = m.job_of(i);
    if (job.empty() || !std::filesystem::exists(m.shard_path(i))) continue;
    const std::string task = task_name(job, i);
    if (tasks.active.count(task)) {
      ++report.waiting;
      continue;
    }
    {
      RunStore shard(m.shard_path(i));
      const std::string slurm = ended_state(tasks, task);
      for (const auto& r : shard.list_runs()) {
        if (r.status != "running") continue;
        shard.finish_run(r.id, "interrupted",
                         "its Slurm task " + task + " ended" + (slurm.empty() ? "" : " (" + slurm + ")") +
                             " before the run recorded its end");
        report.marked_interrupted.push_back(r.id);
      }
    }
    const MergeReport one = main.merge_from(m.shard_path(i));
    report.merged.added += one.added;
    report.merged.updated += one.updated;
    report.merged.unchanged += one.unchanged;
    report.merged.running.insert(report.merged.running.end(), one.running.begin(), one.running.end());
    ++report.shards;
  }
  return report;
}

}  // namespace promptlab

#include "sweep/earlier_sweeps.hpp"

#include <algorithm>
#include <filesystem>

#include "sweep/slurm.hpp"
#include "sweep/sweep_state.hpp"

namespace promptlab {

EarlierSweeps settle_earlier_sweeps(const std::string& sweeps_root, RunStore& store, const std::string& protocol_hash,
                                    const std::vector<std::string>& bench_args) {
  namespace fs = std::filesystem;
  EarlierSweeps out;
  std::error_code ec;
  if (!fs::is_directory(sweeps_root, ec)) return out;
  std::vector<fs::path> dirs;
  for (const auto& entry : fs::directory_iterator(sweeps_root, ec))
    if (fs::exists(sweep_manifest_path(entry.path().string()))) dirs.push_back(entry.path());
  std::sort(dirs.begin(), dirs.end());
  for (const auto& dir : dirs) {
    const SweepManifest m = read_sweep(dir.string());
    if (!fs::exists(m.store, ec) || !fs::equivalent(m.store, store.path(), ec)) continue;
    ++out.sweeps;
    std::vector<std::string> jobs;
    for (const auto& s : m.submissions) jobs.push_back(s.job_id);
    const TaskStates tasks = query_tasks(jobs);
    const CollectReport report = collect_shards(m, tasks, store);  // throws when Slurm cannot be asked
    out.runs_collected += report.merged.added + report.merged.updated;
    if (m.protocol_hash != protocol_hash || m.bench_args != bench_args) continue;
    for (std::size_t i = 0; i < m.cells.size(); ++i) {
      const std::string job = m.job_of(i);
      if (!job.empty() && tasks.active.count(task_name(job, i)))
        out.busy.insert({m.cells[i].method, m.cells[i].dataset, m.cells[i].seed});
    }
  }
  return out;
}

}  // namespace promptlab

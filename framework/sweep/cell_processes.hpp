#pragma once
// `bench --jobs N`: the grid's cells as separate `promptlab bench` processes on this machine, at
// most N at a time. Each writes to the same store (SQLite's WAL serialises the writers on a local
// disk) and takes its fair share of the cores (util/thread_share.hpp); its output goes to a log
// file per cell.
#include <cstdint>
#include <string>
#include <vector>

#include <functional>

namespace promptlab {

/// One child process's share of the grid: a method on a dataset for one seed (every shot count).
struct ProcessCell {
  std::string method, dataset;
  std::int64_t seed = 1;
};

/// How the children ended.
struct ProcessSummary {
  int succeeded = 0;
  int failed = 0;                     // exited non-zero (failed or interrupted runs), or died
  std::vector<std::string> failed_logs;
  bool interrupted = false;           // a stop was asked for: no further child was started
};

/// The log file of a cell under `log_dir`.
std::string cell_log_path(const std::string& log_dir, const ProcessCell& cell);

/// The child's command line: `program` + `global_args` + "bench" + the cell + `bench_args`.
std::vector<std::string> cell_command(const std::string& program, const std::vector<std::string>& global_args,
                                      const std::vector<std::string>& bench_args, const ProcessCell& cell);

/// Runs every cell as a child process, at most `jobs` at once, reporting starts and ends through
/// `log`. With `devices` (e.g. cuda:0, cuda:1), each child runs on one of them
/// (`--set model.device=D`) and no two children share one: at most devices.size() at once.
/// A stop (SIGINT/SIGTERM) is passed on to the running children, which record their runs
/// interrupted; no new child starts after it.
ProcessSummary run_cell_processes(const std::string& program, const std::vector<std::string>& global_args,
                                  const std::vector<std::string>& bench_args, const std::vector<ProcessCell>& cells,
                                  int jobs, const std::string& log_dir,
                                  const std::function<void(const std::string&)>& log,
                                  const std::vector<std::string>& devices = {});

}  // namespace promptlab

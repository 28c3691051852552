#pragma once
// Running another program and reading what it prints (sbatch, squeue, sacct, scancel).
#include <string>
#include <vector>

namespace promptlab {

struct CommandResult {
  int exit_code = -1;  // 127: could not be started (not on PATH); 128+N: killed by signal N
  std::string out, err;
};

/// Runs argv[0] (looked up on PATH) with no shell, waits for it, and returns its exit code,
/// stdout and stderr. Throws only when no process can be created at all.
CommandResult run_command(const std::vector<std::string>& argv);

}  // namespace promptlab

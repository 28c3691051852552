#include "cli/sweep/sweep_cli.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include "sweep/slurm.hpp"
#include "train/stop_signal.hpp"

namespace promptlab::cli {

void add_slurm_options(CLI::App& cmd, SlurmFlags& flags) {
  cmd.add_option("--partition", flags.given.partition, "Slurm partition of every task")->group("Slurm");
  cmd.add_option("--time", flags.given.time, "Slurm time limit of each task, e.g. 04:00:00")->group("Slurm");
  cmd.add_option("--gpus-per-task", flags.given.gpus_per_task, "GPUs of each task")->group("Slurm");
  cmd.add_option("--cpus-per-task", flags.given.cpus_per_task, "CPUs of each task (its threads)")->group("Slurm");
  cmd.add_option("--mem", flags.given.mem, "Memory of each task, e.g. 32G")->group("Slurm");
  cmd.add_option("--sbatch-arg", flags.given.extra, "Another sbatch flag, as given (repeatable), e.g. --sbatch-arg=--qos=low")
      ->group("Slurm");
  cmd.add_option("--slurm-config", flags.config_file,
                 "TOML file of the settings above (default $PROMPTLAB_SLURM_CONFIG); the flags override it")
      ->group("Slurm");
}

SlurmResources resolve_slurm_resources(const SlurmFlags& flags) {
  std::string file = flags.config_file;
  if (file.empty()) {
    const char* env = std::getenv("PROMPTLAB_SLURM_CONFIG");
    if (env && *env) file = env;
  }
  const SlurmResources base = file.empty() ? SlurmResources{} : read_slurm_resources(file);
  return base.overridden_by(flags.given);
}

std::string own_executable() {
  std::vector<char> buf(4096);
  const ssize_t n = ::readlink("/proc/self/exe", buf.data(), buf.size() - 1);
  if (n <= 0) throw std::runtime_error("cannot find this program's own path (/proc/self/exe)");
  return std::string(buf.data(), static_cast<std::size_t>(n));
}

bool wait_for_sweep(const SweepManifest& m, Progress& progress, int poll_seconds) {
  std::vector<std::string> jobs;
  for (const auto& s : m.submissions) jobs.push_back(s.job_id);
  std::string last;
  int failures = 0;
  for (;;) {
    const TaskStates tasks = query_tasks(jobs);
    if (!tasks.queue_known) {
      // A controller restarting or a busy one answers late; give it a few polls before giving up.
      if (++failures > 5) throw std::runtime_error("sweep " + m.dir + ": " + tasks.problem);
    } else {
      failures = 0;
      const std::string counts = state_counts(cell_states(m, tasks));
      if (counts != last) progress.log("sweep " + m.dir + ": " + counts);
      last = counts;
      if (tasks.active.empty()) return true;
    }
    for (int waited = 0; waited < poll_seconds * 10; ++waited) {
      if (stop_flag().load()) {
        progress.log("sweep " + m.dir + ": stopped waiting; its tasks keep running (promptlab sweep status " + m.dir +
                     ")");
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
}

CollectReport collect_and_report(const SweepManifest& m, RunStore& main, Progress& progress) {
  std::vector<std::string> jobs;
  for (const auto& s : m.submissions) jobs.push_back(s.job_id);
  const CollectReport r = collect_shards(m, query_tasks(jobs), main);
  for (auto id : r.marked_interrupted)
    progress.log("  a shard's run " + std::to_string(id) + " was left running by its ended task: marked interrupted");
  progress.log("collected " + std::to_string(r.shards) + " shards into " + main.path() + ": " +
               std::to_string(r.merged.added) + " runs added, " + std::to_string(r.merged.updated) + " updated, " +
               std::to_string(r.merged.unchanged) + " already there" +
               (r.waiting > 0 ? "; " + std::to_string(r.waiting) + " shards wait for their running tasks" : ""));
  return r;
}

}  // namespace promptlab::cli

#pragma once
// What `bench --executor slurm` and `promptlab sweep` share: the Slurm flags, waiting for a
// sweep's tasks, and the report of a collect.
#include <string>

#include <CLI/CLI.hpp>

#include "cli/train/progress.hpp"
#include "store/run_store.hpp"
#include "sweep/slurm_resources.hpp"
#include "sweep/sweep_manifest.hpp"
#include "sweep/sweep_state.hpp"

namespace promptlab::cli {

/// The Slurm flags of a command: resources given on the command line, and the settings file.
struct SlurmFlags {
  SlurmResources given;
  std::string config_file;  // --slurm-config ("" = $PROMPTLAB_SLURM_CONFIG, if set)
};

/// --partition, --time, --gpus-per-task, --cpus-per-task, --mem, --sbatch-arg, --slurm-config.
void add_slurm_options(CLI::App& cmd, SlurmFlags& flags);

/// The settings file's resources (if any) overridden by the command line's.
SlurmResources resolve_slurm_resources(const SlurmFlags& flags);

/// This executable's absolute path (what cell processes and Slurm tasks run).
std::string own_executable();

/// Polls Slurm every `poll_seconds` until no task of the sweep is queued or running, reporting
/// each change of the counts. Returns false when stopped (Ctrl-C) first: the tasks keep running.
bool wait_for_sweep(const SweepManifest& manifest, Progress& progress, int poll_seconds);

/// Collects the sweep into `main` and reports what the merge did through `progress`.
CollectReport collect_and_report(const SweepManifest& manifest, RunStore& main, Progress& progress);

}  // namespace promptlab::cli

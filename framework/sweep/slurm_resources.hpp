#pragma once
// What each task of a Slurm sweep asks the cluster for. A lab keeps its cluster's settings in a
// TOML file (--slurm-config, or $PROMPTLAB_SLURM_CONFIG):
//
//   partition = "gpu"
//   time = "04:00:00"
//   gpus_per_task = 1
//   cpus_per_task = 8
//   mem = "32G"
//   sbatch_args = ["--account=vision", "--qos=normal"]
//
// and the command line's flags override it key by key.
#include <string>
#include <vector>

namespace promptlab {

/// sbatch's resource flags; empty or 0 members are left to the cluster's defaults.
struct SlurmResources {
  std::string partition;
  std::string time;                // --time, e.g. "04:00:00"
  int gpus_per_task = 0;           // --gpus-per-task
  int cpus_per_task = 0;           // --cpus-per-task (a task's LibTorch threads, unless --threads is given)
  std::string mem;                 // --mem, e.g. "32G"
  std::vector<std::string> extra;  // more sbatch flags, passed as given

  /// This, with every member `over` sets replacing ours (its extra flags are added after ours).
  SlurmResources overridden_by(const SlurmResources& over) const;
};

/// Reads a settings file as above. Unknown keys, wrong types and negative counts are refused,
/// naming the file and the key.
SlurmResources read_slurm_resources(const std::string& path);

}  // namespace promptlab

#pragma once
// A sweep sent to a cluster: its folder holds sweep.json (this manifest), the job script, one
// shard store per cell (shards/<index>.db, written by that cell's task alone: SQLite's locking
// is not safe across hosts on a network filesystem) and one log per task (logs/<index>-<job>.log).
// `promptlab sweep collect` merges the shards into the main store.
#include <cstdint>
#include <string>
#include <vector>

#include "sweep/cell_processes.hpp"
#include "sweep/slurm_resources.hpp"

namespace promptlab {

/// One `sbatch` of some of the sweep's cells.
struct SweepSubmission {
  std::string job_id;                // the array job's id
  std::vector<std::size_t> indices;  // cells it runs (= array task ids)
  std::string submitted_at;          // UTC, ISO 8601
};

struct SweepManifest {
  static constexpr int kFormatVersion = 1;
  std::string dir;                       // the sweep folder (absolute; not stored in the file)
  std::string store;                     // the main store the shards merge into (absolute)
  std::string program;                   // the promptlab each task runs (absolute)
  std::vector<std::string> global_args;  // options before the subcommand, without --db
  std::vector<std::string> bench_args;   // bench options after the cell (protocol, config, --set, ...)
  std::string cache_dir;                 // feature caches and few-shot splits, shared by the tasks
  std::string protocol, protocol_hash;
  std::size_t runs_per_cell = 1;         // shot counts per cell
  std::vector<ProcessCell> cells;        // index = array task id
  SlurmResources slurm;
  std::vector<SweepSubmission> submissions;
  std::string created_at;

  /// The cell's own store.
  std::string shard_path(std::size_t index) const;
  /// The log of cell `index`'s task in array job `job` (each submission keeps its own).
  std::string log_path(std::size_t index, const std::string& job) const;
  /// The log path with Slurm's placeholders for both (sbatch --output).
  std::string log_pattern() const;
  /// The job script (sbatch's argument).
  std::string script_path() const;
  /// The job of the newest submission that ran `index`; "" if it was never submitted.
  std::string job_of(std::size_t index) const;
};

/// The manifest file inside a sweep folder.
std::string sweep_manifest_path(const std::string& sweep_dir);

/// Reads DIR/sweep.json. Throws naming the file and the key on anything missing or malformed.
SweepManifest read_sweep(const std::string& sweep_dir);

/// Writes DIR/sweep.json atomically (a temporary file renamed over it), creating DIR.
void write_sweep(const SweepManifest& manifest);

/// "now" in UTC, ISO 8601 to the second.
std::string utc_now();

}  // namespace promptlab

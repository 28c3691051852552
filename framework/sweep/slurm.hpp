#pragma once
// The Slurm side of a sweep: the job script, the sbatch command line, and the states of a
// sweep's array tasks from squeue (queued and running) and sacct (ended, where accounting is on).
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sweep/sweep_manifest.hpp"

namespace promptlab {

/// "0-3,7,9-10": Slurm's --array list for these cell indices.
std::string array_spec(std::vector<std::size_t> indices);

/// The job script: `promptlab [global options] sweep task DIR $SLURM_ARRAY_TASK_ID`, every word
/// quoted for the shell.
std::string job_script(const SweepManifest& manifest);

/// sbatch's argv (without the program) for running `indices` of the sweep as one array job.
std::vector<std::string> sbatch_arguments(const SweepManifest& manifest, const std::vector<std::size_t>& indices);

/// The job id in `sbatch --parsable` output ("123" or "123;cluster"). Throws on anything else.
std::string parse_job_id(const std::string& sbatch_output);

/// Submits `indices` as one array job: writes the job script, runs sbatch, records the submission
/// in the manifest (and writes it). Returns the job id. Throws with sbatch's own message.
std::string submit_array(SweepManifest& manifest, const std::vector<std::size_t>& indices);

/// What Slurm says about a sweep's tasks, by "JOBID_INDEX".
struct TaskStates {
  bool queue_known = false;                    // squeue answered: a task absent from `active` has ended
  std::map<std::string, std::string> active;   // PENDING, RUNNING, COMPLETING, ...
  std::map<std::string, std::string> ended;    // from sacct, when it answers: COMPLETED, FAILED, CANCELLED, ...
  std::string problem;                         // why squeue could not be asked, if it could not
};

/// Parses lines "JOBID_INDEX|STATE" (squeue -r -o '%i|%T', sacct -P -o JobID,State) of the given
/// jobs; other jobs, job steps and unexpanded ranges ("12_[3-5]") are skipped.
std::map<std::string, std::string> parse_task_lines(const std::string& text, const std::vector<std::string>& job_ids);

/// Asks squeue (and sacct) about the jobs.
TaskStates query_tasks(const std::vector<std::string>& job_ids);

/// "JOBID_INDEX".
std::string task_name(const std::string& job_id, std::size_t index);

}  // namespace promptlab

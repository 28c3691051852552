#include "sweep/slurm.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

#include "util/join.hpp"
#include "util/subprocess.hpp"
#include "util/temp_path.hpp"

namespace promptlab {

namespace {

// 'word' for the shell: single quotes, each ' written as '\''.
std::string shell_quote(const std::string& word) {
  std::string out = "'";
  for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string trimmed(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

}  // namespace

std::string task_name(const std::string& job_id, std::size_t index) { return job_id + "_" + std::to_string(index); }

std::string array_spec(std::vector<std::size_t> indices) {
  std::sort(indices.begin(), indices.end());
  indices.erase(std::unique(indices.begin(), indices.end()), indices.end());
  std::vector<std::string> parts;
  for (std::size_t i = 0; i < indices.size();) {
    std::size_t j = i;
    while (j + 1 < indices.size() && indices[j + 1] == indices[j] + 1) ++j;
    parts.push_back(j == i ? std::to_string(indices[i])
                           : std::to_string(indices[i]) + "-" + std::to_string(indices[j]));
    i = j + 1;
  }
  return join(parts, ",");
}

std::string job_script(const SweepManifest& m) {
  std::vector<std::string> words{m.program};
  words.insert(words.end(), m.global_args.begin(), m.global_args.end());
  words.insert(words.end(), {"sweep", "task", m.dir});
  std::string command;
  for (const auto& w : words) command += shell_quote(w) + " ";
  return "#!/bin/bash\n"
         "# A task of the promptlab sweep in " + m.dir + " (sweep.json): array task N runs cell N into\n"
         "# shards/N.db. Written by promptlab; `promptlab sweep status|collect|resubmit` read the sweep.\n"
         "exec " + command + "\"$SLURM_ARRAY_TASK_ID\"\n";
}

std::vector<std::string> sbatch_arguments(const SweepManifest& m, const std::vector<std::size_t>& indices) {
  if (indices.empty()) throw std::invalid_argument("sweep " + m.dir + ": no cells to submit");
  const std::string name = std::filesystem::path(m.dir).filename().string();
  std::vector<std::string> args{"--parsable", "--array=" + array_spec(indices), "--job-name=promptlab-" + name,
                                "--output=" + m.log_pattern(), "--chdir=" + m.dir};
  if (!m.slurm.partition.empty()) args.push_back("--partition=" + m.slurm.partition);
  if (!m.slurm.time.empty()) args.push_back("--time=" + m.slurm.time);
  if (m.slurm.gpus_per_task > 0) args.push_back("--gpus-per-task=" + std::to_string(m.slurm.gpus_per_task));
  if (m.slurm.cpus_per_task > 0) args.push_back("--cpus-per-task=" + std::to_string(m.slurm.cpus_per_task));
  if (!m.slurm.mem.empty()) args.push_back("--mem=" + m.slurm.mem);
  args.insert(args.end(), m.slurm.extra.begin(), m.slurm.extra.end());
  args.push_back(m.script_path());
  return args;
}

std::string parse_job_id(const std::string& sbatch_output) {
  std::string line = trimmed(sbatch_output);
  const auto nl = line.find_last_of('\n');  // sbatch may warn first; the id is its last line
  if (nl != std::string::npos) line = trimmed(line.substr(nl + 1));
  const std::string id = line.substr(0, line.find(';'));
  if (id.empty() || !std::all_of(id.begin(), id.end(), [](char c) { return c >= '0' && c <= '9'; }))
    throw std::runtime_error("sbatch printed no job id (expected a number from --parsable, got '" + line + "')");
  return id;
}

std::string submit_array(SweepManifest& m, const std::vector<std::size_t>& indices) {
  for (auto i : indices)
    if (i >= m.cells.size())
      throw std::invalid_argument("sweep " + m.dir + ": no cell " + std::to_string(i) + " (it has " +
                                  std::to_string(m.cells.size()) + ")");
  std::filesystem::create_directories(m.dir + "/logs");
  std::filesystem::create_directories(m.dir + "/shards");
  write_file_atomically(m.script_path(), job_script(m), 0754);
  std::vector<std::string> argv{"sbatch"};
  const std::vector<std::string> args = sbatch_arguments(m, indices);
  argv.insert(argv.end(), args.begin(), args.end());
  const CommandResult r = run_command(argv);
  if (r.exit_code != 0)
    throw std::runtime_error("sbatch failed (exit status " + std::to_string(r.exit_code) + "): " + trimmed(r.err + r.out) +
                             "\n  command: " + join(argv, " "));
  const std::string job = parse_job_id(r.out);
  m.submissions.push_back({job, indices, utc_now()});
  write_sweep(m);
  return job;
}

std::map<std::string, std::string> parse_task_lines(const std::string& text, const std::vector<std::string>& job_ids) {
  const std::set<std::string> jobs(job_ids.begin(), job_ids.end());
  std::map<std::string, std::string> states;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    line = trimmed(line);
    const auto bar = line.find('|');
    if (bar == std::string::npos) continue;
    const std::string task = line.substr(0, bar);
    std::string state = trimmed(line.substr(bar + 1));
    state = state.substr(0, state.find(' '));  // "CANCELLED by 0"
    const auto under = task.find('_');
    if (under == std::string::npos || !jobs.count(task.substr(0, under))) continue;
    const std::string index = task.substr(under + 1);
    if (index.empty() || !std::all_of(index.begin(), index.end(), [](char c) { return c >= '0' && c <= '9'; }))
      continue;  // a job step (12_3.batch) or an unexpanded range (12_[3-5])
    states[task] = state;
  }
  return states;
}

TaskStates query_tasks(const std::vector<std::string>& job_ids) {
  TaskStates states;
  if (job_ids.empty()) {
    states.queue_known = true;
    return states;
  }
  const CommandResult q = run_command({"squeue", "--noheader", "--array", "--jobs=" + join(job_ids, ","),
                                       "--format=%i|%T", "--states=all"});
  if (q.exit_code == 0) {
    states.queue_known = true;
    states.active = parse_task_lines(q.out, job_ids);
  } else if (q.err.find("Invalid job id") != std::string::npos) {
    states.queue_known = true;  // every job has left the controller's memory: nothing is queued
  } else {
    states.problem = "squeue failed (exit status " + std::to_string(q.exit_code) + "): " + trimmed(q.err);
  }
  const CommandResult a = run_command({"sacct", "--noheader", "--parsable2", "--allocations",
                                       "--jobs=" + join(job_ids, ","), "--format=JobID,State"});
  if (a.exit_code == 0) states.ended = parse_task_lines(a.out, job_ids);
  // squeue --states=all also lists tasks that ended a moment ago; those are not active.
  for (auto it = states.active.begin(); it != states.active.end();) {
    static const std::set<std::string> live{"PENDING", "RUNNING", "CONFIGURING", "COMPLETING", "SUSPENDED",
                                            "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED", "RESIZING", "SIGNALING",
                                            "STAGE_OUT", "STOPPED"};
    if (live.count(it->second)) {
      ++it;
    } else {
      states.ended.emplace(it->first, it->second);
      it = states.active.erase(it);
    }
  }
  return states;
}

}  // namespace promptlab

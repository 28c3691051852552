// `promptlab sweep status|collect|resubmit SWEEP`: a Slurm sweep (bench --executor slurm) after
// its submission; `sweep task` is what each array task runs.
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <set>

#include "cli/command.hpp"
#include "cli/sweep/sweep_cli.hpp"
#include "cli/train/session.hpp"
#include "sweep/slurm.hpp"
#include "train/stop_signal.hpp"

namespace promptlab::cli {
namespace {

struct SweepOptions {
  std::string dir;
  const GlobalOptions* global = nullptr;
  std::string cells;
  std::size_t index = 0;
  bool wait = false;
  int poll_seconds = 10;
  SlurmFlags slurm;
};

std::vector<std::string> job_ids(const SweepManifest& m) {
  std::vector<std::string> jobs;
  for (const auto& s : m.submissions) jobs.push_back(s.job_id);
  return jobs;
}

std::string cell_text(const ProcessCell& c) {
  return c.method + " / " + c.dataset + " / seed " + std::to_string(c.seed);
}

// The store the shards merge into: --db when given, else the one the sweep was planned on.
std::string main_store(const SweepOptions& o, const SweepManifest& m) {
  return o.global && !o.global->db_path.empty() ? o.global->db_path : m.store;
}

int status(const SweepOptions& o) {
  const SweepManifest m = read_sweep(o.dir);
  const TaskStates tasks = query_tasks(job_ids(m));
  const std::vector<CellStatus> states = cell_states(m, tasks);
  std::cout << "sweep " << m.dir << " (store " << m.store << ", protocol " << m.protocol << ")\n";
  for (const auto& c : states) {
    std::cout << std::setw(5) << c.index << "  " << std::left << std::setw(40) << cell_text(m.cells[c.index])
              << std::setw(12) << to_string(c.state) << std::setw(12) << c.task << std::right << c.detail << "\n";
  }
  std::cout << state_counts(states) << "\n";
  if (!tasks.queue_known) std::cerr << "sweep status: " << tasks.problem << "\n";
  return 0;
}

int collect(const SweepOptions& o) {
  const SweepManifest m = read_sweep(o.dir);
  Progress progress;
  if (o.wait) {
    install_stop_handlers();
    if (!wait_for_sweep(m, progress, o.poll_seconds)) return 1;
  }
  RunStore main(main_store(o, m));
  collect_and_report(m, main, progress);
  const std::vector<CellStatus> states = cell_states(m, query_tasks(job_ids(m)));
  std::cerr << "sweep " << m.dir << ": " << state_counts(states) << "\n";
  for (const auto& c : states)
    if (c.state != CellState::finished)
      std::cerr << "  cell " << c.index << " (" << cell_text(m.cells[c.index]) << "): " << to_string(c.state)
                << (c.detail.empty() ? "" : ": " + c.detail) << "\n";
  return 0;
}

int resubmit(const SweepOptions& o) {
  SweepManifest m = read_sweep(o.dir);
  Progress progress;
  {
    // Runs a killed task left `running` become interrupted first, so that the new task resumes them.
    RunStore main(main_store(o, m));
    collect_and_report(m, main, progress);
  }
  const std::vector<CellStatus> states = cell_states(m, query_tasks(job_ids(m)));
  std::set<std::size_t> wanted;
  for (const auto& part : split_list(o.cells)) {
    std::size_t i = 0;
    try {
      std::size_t used = 0;
      i = std::stoul(part, &used);
      if (used != part.size()) throw std::invalid_argument(part);
    } catch (const std::exception&) {
      throw std::invalid_argument("--cells: '" + part + "' is not a cell number");
    }
    if (i >= m.cells.size())
      throw std::invalid_argument("--cells: the sweep has cells 0 to " + std::to_string(m.cells.size() - 1) +
                                  ", not " + part);
    wanted.insert(i);
  }
  std::vector<std::size_t> indices;
  for (const auto& c : states) {
    if (!wanted.empty() && !wanted.count(c.index)) continue;
    const bool again = c.state == CellState::failed || c.state == CellState::interrupted ||
                       c.state == CellState::unsubmitted;
    if (again) {
      indices.push_back(c.index);
    } else if (wanted.count(c.index)) {
      // Never twice: a cell queued, running or finished is not sent again.
      throw std::invalid_argument("cell " + std::to_string(c.index) + " (" + cell_text(m.cells[c.index]) + ") is " +
                                  to_string(c.state) + "; only failed, interrupted or unsubmitted cells are resubmitted");
    }
  }
  if (indices.empty()) {
    progress.log("sweep " + m.dir + ": no failed, interrupted or unsubmitted cell to resubmit (" +
                 state_counts(states) + ")");
    return 0;
  }
  m.slurm = m.slurm.overridden_by(resolve_slurm_resources(o.slurm));
  const std::string job = submit_array(m, indices);
  progress.log("sweep " + m.dir + ": " + (indices.size() == 1 ? "cell " : "cells ") + array_spec(indices) +
               " resubmitted as Slurm array job " + job);
  return 0;
}

// One array task: the cell's `promptlab bench` into the cell's shard, in place of this process
// (so that Slurm's signals reach it: a cancelled or timed-out task records its run interrupted).
int task(const SweepOptions& o) {
  const SweepManifest m = read_sweep(o.dir);
  if (o.index >= m.cells.size())
    throw std::invalid_argument("sweep " + m.dir + ": no cell " + std::to_string(o.index) + " (it has " +
                                std::to_string(m.cells.size()) + ")");
  std::filesystem::create_directories(m.dir + "/shards");
  std::vector<std::string> global_args{"--db", m.shard_path(o.index)};
  global_args.insert(global_args.end(), m.global_args.begin(), m.global_args.end());
  bool threads_given = false;
  for (const auto& a : m.global_args) threads_given = threads_given || a == "--threads";
  const char* cpus = std::getenv("SLURM_CPUS_PER_TASK");
  if (!threads_given && cpus && *cpus) global_args.insert(global_args.end(), {"--threads", cpus});
  const std::vector<std::string> argv = cell_command(m.program, global_args, m.bench_args, m.cells[o.index]);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::cerr << "sweep task " << o.index << ": " << cell_text(m.cells[o.index]) << " into " << m.shard_path(o.index)
            << "\n";
  std::cerr.flush();
  ::execv(args[0], args.data());
  throw std::runtime_error("sweep " + m.dir + ": cannot run " + argv[0] + ": " + std::strerror(errno));
}

void setup_sweep(CLI::App& app, GlobalOptions& global) {
  auto opts = std::make_shared<SweepOptions>();
  opts->global = &global;
  CLI::App* sweep = app.add_subcommand("sweep", "Follow, collect and resubmit a Slurm sweep (bench --executor slurm)");
  sweep->require_subcommand(1);
  const auto run = [](CLI::App* cmd, int (*fn)(const SweepOptions&), std::shared_ptr<SweepOptions> opts) {
    cmd->callback([fn, opts] {
      const int rc = fn(*opts);
      if (rc != 0) throw CLI::RuntimeError(rc);
    });
  };

  CLI::App* st = sweep->add_subcommand("status", "Each cell: pending, running, finished, failed or interrupted");
  st->add_option("SWEEP", opts->dir, "The sweep folder")->required();
  run(st, status, opts);

  CLI::App* co = sweep->add_subcommand("collect", "Merge the shards of ended tasks into the main store (idempotent)");
  co->add_option("SWEEP", opts->dir, "The sweep folder")->required();
  co->add_option("--db", global.db_path, "Merge into this store (default: the one the sweep was planned on)");
  co->add_flag("--wait", opts->wait, "First wait until no task is queued or running");
  co->add_option("--poll", opts->poll_seconds, "Seconds between queue checks while waiting")->capture_default_str();
  run(co, collect, opts);

  CLI::App* re = sweep->add_subcommand("resubmit", "Submit the failed, interrupted and unsubmitted cells again");
  re->add_option("SWEEP", opts->dir, "The sweep folder")->required();
  re->add_option("--cells", opts->cells, "Only these cells (comma-separated numbers, from sweep status)");
  add_slurm_options(*re, opts->slurm);
  run(re, resubmit, opts);

  CLI::App* ta = sweep->add_subcommand("task", "Run one cell of a sweep into its shard (what each Slurm task runs)");
  ta->group("");  // internal: the job script's command
  ta->add_option("SWEEP", opts->dir, "The sweep folder")->required();
  ta->add_option("INDEX", opts->index, "The cell ($SLURM_ARRAY_TASK_ID)")->required();
  run(ta, task, opts);
}

CommandRegistration sweep_registration{"sweep", 25, setup_sweep};

}  // namespace
}  // namespace promptlab::cli

// `promptlab bench`: the methods x datasets x seeds grid under one protocol, resumable,
// ending with the paper-style table.
#include <unistd.h>

#include <iostream>

#include "cli/command.hpp"
#include "sweep/cell_processes.hpp"
#include "cli/train/progress.hpp"
#include "cli/train/session.hpp"
#include "store/results_format.hpp"
#include "store/run_store.hpp"

namespace promptlab::cli {
namespace {

struct BenchOptions {
  std::string methods = "zeroshot,coop,cocoop,sam,gcscoop";
  std::string datasets;
  std::string seeds;
  std::string protocol;
  ModelOptions model;
  std::string config_file;
  std::vector<std::string> sets;
  std::string format = "text";
  int jobs = 1;
};

// This executable's path, for the cell processes of --jobs.
std::string own_executable() {
  std::vector<char> buf(4096);
  const ssize_t n = ::readlink("/proc/self/exe", buf.data(), buf.size() - 1);
  if (n <= 0) throw std::runtime_error("--jobs: cannot find this program's own path (/proc/self/exe)");
  return std::string(buf.data(), static_cast<std::size_t>(n));
}

// --jobs N > 1: each (method, dataset, seed) as its own `promptlab bench` process, N at a time.
int execute_in_processes(const BenchOptions& o, const GlobalOptions& global, const std::vector<std::string>& methods,
                         const GridPlan& plan, const std::vector<std::int64_t>& seeds, const std::string& db,
                         RunStore& store, Progress& progress) {
  std::vector<std::string> global_args{"--db", db};
  for (const auto& dir : global.plugin_paths) global_args.insert(global_args.end(), {"--plugin-path", dir});
  if (global.threads > 0) global_args.insert(global_args.end(), {"--threads", std::to_string(global.threads)});
  std::vector<std::string> bench_args;
  const auto pass = [&bench_args](const char* flag, const std::string& value) {
    if (!value.empty()) bench_args.insert(bench_args.end(), {flag, value});
  };
  pass("--protocol", o.protocol);
  pass("--weights", o.model.weights);
  pass("--vocab", o.model.vocab);
  pass("--data-root", o.model.data_root);
  pass("--config", o.config_file);
  for (const auto& set : o.sets) pass("--set", set);
  if (!o.model.feature_cache) bench_args.push_back("--no-feature-cache");
  std::vector<ProcessCell> cells;
  for (const auto& m : methods)
    for (const auto& d : plan.datasets)
      for (auto seed : seeds) cells.push_back({m, d, seed});
  const std::string log_dir = side_directory(db) + "/logs";
  const ProcessSummary summary =
      run_cell_processes(own_executable(), global_args, bench_args, cells, o.jobs, log_dir,
                         [&progress](const std::string& line) { progress.log(line); });
  ResultFilter filter;
  filter.methods = methods;
  filter.datasets = plan.datasets;
  filter.protocol_hash = plan.protocol.hash;
  std::cout << format_table(store, result_table_of(plan.protocol), filter, parse_result_format(o.format));
  std::cerr << "bench: " << cells.size() << " cell processes, " << o.jobs << " at a time: " << summary.succeeded
            << " succeeded, " << summary.failed << " failed"
            << (summary.interrupted ? ", interrupted (run again to resume)" : "") << "; store " << db
            << "; logs in " << log_dir << "\n";
  for (const auto& log : summary.failed_logs) std::cerr << "  failed: " << log << "\n";
  return (summary.failed == 0 && !summary.interrupted) ? 0 : 1;
}

int execute(const BenchOptions& o, const GlobalOptions& global) {
  if (o.jobs < 1) throw std::invalid_argument("--jobs must be at least 1, got " + std::to_string(o.jobs));
  // With --jobs the cell processes take the cores; this one only waits for them.
  if (o.jobs == 1) apply_threads(global);
  const ResultFormat format = parse_result_format(o.format);
  auto host = open_host(global);
  const std::vector<std::string> methods = split_list(o.methods);
  for (const auto& m : methods) host->method(m);
  const GridPlan plan = plan_grid(*host, methods, o.protocol, split_list(o.datasets), o.config_file, o.sets, o.model);
  const Protocol& protocol = plan.protocol;
  std::vector<std::int64_t> seeds;
  for (const auto& s : split_list(o.seeds)) {
    try {
      seeds.push_back(std::stoll(s));
    } catch (const std::exception&) {
      throw std::invalid_argument("--seeds: '" + s + "' is not an integer");
    }
  }
  if (seeds.empty()) seeds = protocol.seeds;
  const std::string db = resolve_db_path(global);
  Progress progress;
  RunStore store = open_store_for_runs(db, progress);
  install_stop_handlers();
  if (o.jobs > 1) return execute_in_processes(o, global, methods, plan, seeds, db, store, progress);
  const ExperimentObserver observer = progress_observer(progress);
  std::vector<Cell> cells;
  for (const auto& m : methods)
    for (const auto& d : plan.datasets)
      for (auto n : plan.shots)
        for (auto seed : seeds) cells.push_back({m, d, n, seed});
  const std::size_t total = cells.size();
  std::size_t index = 0, skipped = 0, failed = 0;
  bool interrupted = false;
  for (const auto& cell : cells) {
    ++index;
    progress.log("[" + std::to_string(index) + "/" + std::to_string(total) + "] " + cell.method + " / " +
                 cell.dataset + (cell.shots > 0 ? " / " + std::to_string(cell.shots) + " shots" : "") + " / seed " +
                 std::to_string(cell.seed));
    ExperimentOutcome out = run_experiment(*host, store, db, protocol, make_request(cell, o.config_file, o.sets, o.model),
                                           observer, &stop_flag(), true);
    if (out.skipped) {
      ++skipped;
      progress.log("  already finished as run " + std::to_string(out.run_id) + ", skipped");
    } else if (out.status != "finished") {
      ++failed;
      progress.log("  run " + std::to_string(out.run_id) + " " + out.status + ": " + out.error);
    }
    if (out.status == "interrupted") {
      interrupted = true;
      break;
    }
  }
  ResultFilter filter;
  filter.methods = methods;
  filter.datasets = plan.datasets;
  filter.protocol_hash = protocol.hash;
  std::cout << format_table(store, result_table_of(protocol), filter, format);
  std::cerr << "bench: " << total << " runs in the grid, " << skipped << " already finished, " << failed
            << " failed" << (interrupted ? ", interrupted (run again to resume)" : "") << "; store " << db << "\n";
  return (failed == 0 && !interrupted) ? 0 : 1;
}

void setup_bench(CLI::App& app, GlobalOptions& global) {
  auto opts = std::make_shared<BenchOptions>();
  CLI::App* cmd = app.add_subcommand("bench", "Run the methods x datasets x seeds grid (resumable) and print the table");
  cmd->add_option("--methods", opts->methods, "Comma-separated methods")->capture_default_str();
  cmd->add_option("--datasets", opts->datasets, "Comma-separated datasets (default: the protocol's, or the embedded suite)");
  cmd->add_option("--seeds", opts->seeds, "Comma-separated seeds (default: the protocol's)");
  cmd->add_option("--protocol,-p", opts->protocol, "Protocol name or TOML file");
  cmd->add_option("--weights", opts->model.weights, "CLIP weights");
  cmd->add_option("--vocab", opts->model.vocab, "BPE merges for --weights");
  cmd->add_option("--data-root", opts->model.data_root, "Root folder of the reference datasets");
  cmd->add_flag("!--no-feature-cache", opts->model.feature_cache,
                "Encode every image again, reading and writing no feature cache (same results, slower)");
  cmd->add_option("--config", opts->config_file, "TOML file of config keys (applied to every run)");
  cmd->add_option("--set", opts->sets, "key=value override (repeatable)");
  cmd->add_option("--format", opts->format, "text|markdown|csv|json")->capture_default_str();
  cmd->add_option("--jobs,-j", opts->jobs,
                  "Cells (method x dataset x seed) run at once, each its own process sharing the cores and the store")
      ->capture_default_str();
  cmd->add_option("--db", global.db_path, "Run store (default $PROMPTLAB_DB or ./promptlab.db)");
  cmd->callback([opts, &global] {
    int rc = execute(*opts, global);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
}

CommandRegistration bench_registration{"bench", 20, setup_bench};

}  // namespace
}  // namespace promptlab::cli

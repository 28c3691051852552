// `promptlab bench`: the methods x datasets x seeds grid under one protocol, resumable,
// ending with the paper-style table.
#include <iostream>

#include "cli/command.hpp"
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
};

int execute(const BenchOptions& o, const GlobalOptions& global) {
  apply_threads(global);
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
  cmd->add_option("--db", global.db_path, "Run store (default $PROMPTLAB_DB or ./promptlab.db)");
  cmd->callback([opts, &global] {
    int rc = execute(*opts, global);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
}

CommandRegistration bench_registration{"bench", 20, setup_bench};

}  // namespace
}  // namespace promptlab::cli

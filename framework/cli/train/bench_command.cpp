// `promptlab bench`: the methods x datasets x seeds grid under one protocol, resumable,
// ending with the paper-style table.
#include <filesystem>
#include <iostream>

#include "cli/command.hpp"
#include "cli/sweep/sweep_cli.hpp"
#include "sweep/cell_processes.hpp"
#include "sweep/earlier_sweeps.hpp"
#include "sweep/slurm.hpp"
#include "util/device.hpp"
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
  std::string devices;  // --devices cuda:0,cuda:1: one cell process per device
  std::string executor = "local";
  std::string sweep_dir;
  SlurmFlags slurm;
  bool wait = false;
  int poll_seconds = 10;
};

// The paper-style table of the grid's methods and datasets.
void print_table(const RunStore& store, const GridPlan& plan, const std::vector<std::string>& methods,
                 const std::string& format) {
  ResultFilter filter;
  filter.methods = methods;
  filter.datasets = plan.datasets;
  filter.protocol_hash = plan.protocol.hash;
  std::cout << format_table(store, result_table_of(plan.protocol), filter, parse_result_format(format));
}

// A path the user gave, absolute when it names an existing file or folder (a cell process or a
// Slurm task may start elsewhere); a protocol or dataset name stays as it is.
std::string absolute_if_path(const std::string& value) {
  std::error_code ec;
  if (value.empty() || !std::filesystem::exists(value, ec)) return value;
  return std::filesystem::absolute(value).lexically_normal().string();
}

// The options before the subcommand that a cell's own promptlab needs (its --db aside).
std::vector<std::string> forwarded_global_args(const GlobalOptions& global) {
  std::vector<std::string> args;
  for (const auto& dir : global.plugin_paths) args.insert(args.end(), {"--plugin-path", absolute_if_path(dir)});
  if (global.threads > 0) args.insert(args.end(), {"--threads", std::to_string(global.threads)});
  return args;
}

// The bench options a cell's own `promptlab bench` repeats after its cell.
std::vector<std::string> forwarded_bench_args(const BenchOptions& o, const std::string& cache_dir) {
  std::vector<std::string> args;
  const auto pass = [&args](const char* flag, const std::string& value) {
    if (!value.empty()) args.insert(args.end(), {flag, value});
  };
  pass("--protocol", absolute_if_path(o.protocol));
  pass("--weights", absolute_if_path(o.model.weights));
  pass("--vocab", absolute_if_path(o.model.vocab));
  pass("--data-root", absolute_if_path(o.model.data_root));
  pass("--config", absolute_if_path(o.config_file));
  for (const auto& set : o.sets) pass("--set", set);
  if (!o.model.feature_cache) args.push_back("--no-feature-cache");
  pass("--cache-dir", cache_dir);
  if (o.model.text_chunk != kDefaultTextGradChunk) pass("--text-chunk", std::to_string(o.model.text_chunk));
  if (!o.model.shared_prefix) args.push_back("--no-shared-prefix");
  return args;
}

// Every (method, dataset, seed) of the grid: the unit a cell process or a Slurm task runs.
std::vector<ProcessCell> process_cells(const std::vector<std::string>& methods, const GridPlan& plan,
                                       const std::vector<std::int64_t>& seeds) {
  std::vector<ProcessCell> cells;
  for (const auto& m : methods)
    for (const auto& d : plan.datasets)
      for (auto seed : seeds) cells.push_back({m, d, seed});
  return cells;
}

// --jobs N > 1: each (method, dataset, seed) as its own `promptlab bench` process, N at a time.
int execute_in_processes(const BenchOptions& o, int jobs, const GlobalOptions& global,
                         const std::vector<std::string>& methods, const GridPlan& plan,
                         const std::vector<std::int64_t>& seeds, const std::string& db, RunStore& store,
                         Progress& progress) {
  std::vector<std::string> global_args{"--db", db};
  for (const auto& a : forwarded_global_args(global)) global_args.push_back(a);
  const std::vector<ProcessCell> cells = process_cells(methods, plan, seeds);
  const std::string log_dir = side_directory(db) + "/logs";
  const ProcessSummary summary = run_cell_processes(
      own_executable(), global_args, forwarded_bench_args(o, absolute_if_path(o.model.cache_dir)), cells, jobs, log_dir,
      [&progress](const std::string& line) { progress.log(line); }, split_list(o.devices));
  print_table(store, plan, methods, o.format);
  std::cerr << "bench: " << cells.size() << " cell processes, " << jobs << " at a time: " << summary.succeeded
            << " succeeded, " << summary.failed << " failed"
            << (summary.interrupted ? ", interrupted (run again to resume)" : "") << "; store " << db
            << "; logs in " << log_dir << "\n";
  for (const auto& log : summary.failed_logs) std::cerr << "  failed: " << log << "\n";
  return (summary.failed == 0 && !summary.interrupted) ? 0 : 1;
}

// Where the sweeps of a store go unless --sweep says otherwise.
std::string sweeps_root(const std::string& db) {
  return (std::filesystem::absolute(side_directory(db)) / "sweeps").lexically_normal().string();
}

// A new sweep folder under the store's side folder, named after the time.
std::string new_sweep_dir(const std::string& db) {
  namespace fs = std::filesystem;
  std::string stamp = utc_now();
  std::string name;
  for (char c : stamp)
    if (c != '-' && c != ':') name += c;
  const fs::path base = sweeps_root(db);
  fs::path dir = base / ("sweep-" + name);
  for (int n = 2; fs::exists(dir); ++n) dir = base / ("sweep-" + name + "-" + std::to_string(n));
  return dir.lexically_normal().string();
}

// --executor slurm: the cells not finished in the store, as one Slurm job array.
int execute_on_slurm(const BenchOptions& o, const GlobalOptions& global, const PluginHost& host,
                     const std::vector<std::string>& methods, const GridPlan& plan,
                     const std::vector<std::int64_t>& seeds, const std::string& db, RunStore& store,
                     Progress& progress) {
  namespace fs = std::filesystem;
  SweepManifest m;
  m.slurm = resolve_slurm_resources(o.slurm);  // a bad settings file fails before anything is written
  m.store = fs::absolute(db).lexically_normal().string();
  m.dir = o.sweep_dir.empty() ? new_sweep_dir(db) : fs::absolute(o.sweep_dir).lexically_normal().string();
  if (fs::exists(sweep_manifest_path(m.dir)))
    throw std::invalid_argument("--sweep " + m.dir + " already holds a sweep; resubmit its unfinished cells with "
                                "`promptlab sweep resubmit " + m.dir + "`");
  m.program = own_executable();
  m.global_args = forwarded_global_args(global);
  m.cache_dir = o.model.cache_dir.empty() ? fs::absolute(side_directory(db)).lexically_normal().string()
                                          : absolute_if_path(o.model.cache_dir);
  m.bench_args = forwarded_bench_args(o, m.cache_dir);
  m.protocol = plan.protocol.name;
  m.protocol_hash = plan.protocol.hash;
  m.runs_per_cell = plan.shots.size();
  m.created_at = utc_now();
  // Earlier sweeps on this store first: what they finished is collected (and then skipped below),
  // what they still have queued or running is not sent again.
  const EarlierSweeps earlier = settle_earlier_sweeps(sweeps_root(db), store, m.protocol_hash, m.bench_args);
  if (earlier.runs_collected > 0)
    progress.log("bench: collected " + std::to_string(earlier.runs_collected) + " runs from earlier sweeps of " + db);
  std::size_t skipped = 0, busy = 0;
  for (const auto& cell : process_cells(methods, plan, seeds)) {
    if (earlier.busy.count({cell.method, cell.dataset, cell.seed})) {
      ++busy;
      continue;
    }
    bool finished = true;
    for (auto n : plan.shots) {
      const ExperimentRequest request =
          make_request({cell.method, cell.dataset, n, cell.seed}, o.config_file, o.sets, o.model);
      finished = finished && plan_run(host, store, db, plan.protocol, request, true).finished_run.has_value();
    }
    if (finished) {
      ++skipped;
    } else {
      m.cells.push_back(cell);
    }
  }
  if (busy > 0)
    progress.log("bench: " + std::to_string(busy) + (busy == 1 ? " cell is" : " cells are") +
                 " queued or running in an earlier sweep of " + db + "; not sent again");
  if (m.cells.empty()) {
    progress.log("bench: every cell of the grid is finished in " + db + " or still running; nothing to submit");
    print_table(store, plan, methods, o.format);
    return 0;
  }
  write_sweep(m);
  std::vector<std::size_t> all(m.cells.size());
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
  std::string job;
  try {
    job = submit_array(m, all);
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string(e.what()) + "\nThe sweep is planned in " + m.dir +
                             "; `promptlab sweep resubmit " + m.dir + "` submits it once sbatch works.");
  }
  progress.log("bench: " + std::to_string(m.cells.size()) + (m.cells.size() == 1 ? " cell" : " cells") +
               " submitted as Slurm array job " + job +
               (skipped ? " (" + std::to_string(skipped) + " already finished)" : "") + "; sweep " + m.dir);
  if (!o.wait) {
    std::cerr << "Follow it with `promptlab sweep status " << m.dir << "`; merge its results into " << db
              << " with `promptlab sweep collect " << m.dir << "`.\n";
    return 0;
  }
  if (!wait_for_sweep(m, progress, o.poll_seconds)) return 1;
  collect_and_report(m, store, progress);
  const std::vector<CellStatus> states = cell_states(m, query_tasks({job}));
  print_table(store, plan, methods, o.format);
  std::cerr << "bench: sweep " << m.dir << ": " << state_counts(states) << "\n";
  bool all_finished = true;
  for (const auto& c : states) {
    if (c.state == CellState::finished) continue;
    all_finished = false;
    std::cerr << "  cell " << c.index << " (" << m.cells[c.index].method << " / " << m.cells[c.index].dataset
              << " / seed " << m.cells[c.index].seed << "): " << to_string(c.state) << ": " << c.detail << "\n";
  }
  return all_finished ? 0 : 1;
}

int execute(const BenchOptions& o, const GlobalOptions& global) {
  if (o.jobs < 1) throw std::invalid_argument("--jobs must be at least 1, got " + std::to_string(o.jobs));
  if (o.executor != "local" && o.executor != "slurm")
    throw std::invalid_argument("--executor must be local or slurm, got '" + o.executor + "'");
  const bool slurm = o.executor == "slurm";
  if (slurm && o.jobs > 1) throw std::invalid_argument("--jobs is for --executor local; Slurm runs one cell per task");
  if (!slurm && (o.wait || !o.sweep_dir.empty()))
    throw std::invalid_argument(std::string(o.wait ? "--wait" : "--sweep") + " needs --executor slurm");
  const std::vector<std::string> devices = split_list(o.devices);
  for (const auto& d : devices) parse_device(d, "--devices");
  if (!devices.empty() && slurm) throw std::invalid_argument("--devices is for --executor local; use --gpus-per-task on Slurm");
  if (!devices.empty() && o.jobs > 1 && o.jobs != static_cast<int>(devices.size()))
    throw std::invalid_argument("--jobs " + std::to_string(o.jobs) + " and --devices (" + std::to_string(devices.size()) +
                                " devices) disagree: --devices runs one cell per device");
  const int jobs = devices.empty() ? o.jobs : static_cast<int>(devices.size());
  if (o.poll_seconds < 1) throw std::invalid_argument("--poll must be at least 1 second, got " + std::to_string(o.poll_seconds));
  // With --jobs or Slurm the cells' own processes take the cores; this one only waits for them.
  if (jobs == 1 && !slurm) apply_threads(global);
  parse_result_format(o.format);  // a bad --format fails before any run
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
  if (slurm) return execute_on_slurm(o, global, *host, methods, plan, seeds, db, store, progress);
  if (jobs > 1 || !devices.empty())
    return execute_in_processes(o, jobs, global, methods, plan, seeds, db, store, progress);
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
  print_table(store, plan, methods, o.format);
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
  add_resource_options(*cmd, opts->model);
  cmd->add_option("--config", opts->config_file, "TOML file of config keys (applied to every run)");
  cmd->add_option("--set", opts->sets, "key=value override (repeatable)");
  cmd->add_option("--format", opts->format, "text|markdown|csv|json")->capture_default_str();
  cmd->add_option("--jobs,-j", opts->jobs,
                  "Cells (method x dataset x seed) run at once, each its own process sharing the cores and the store")
      ->capture_default_str();
  cmd->add_option("--devices", opts->devices,
                  "Comma-separated devices (cuda:0,cuda:1,...): one cell process on each at a time");
  cmd->add_option("--executor", opts->executor,
                  "local: cells on this machine (--jobs); slurm: the unfinished cells as one Slurm job array")
      ->capture_default_str();
  cmd->add_option("--sweep", opts->sweep_dir, "Slurm: the sweep folder (default <db>.d/sweeps/sweep-<UTC time>)");
  cmd->add_flag("--wait", opts->wait, "Slurm: wait for every task, collect the shards into the store, print the table");
  cmd->add_option("--poll", opts->poll_seconds, "Slurm: seconds between queue checks while waiting")->capture_default_str();
  add_slurm_options(*cmd, opts->slurm);
  cmd->add_option("--db", global.db_path, "Run store (default $PROMPTLAB_DB or ./promptlab.db)");
  cmd->callback([opts, &global] {
    int rc = execute(*opts, global);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
}

CommandRegistration bench_registration{"bench", 20, setup_bench};

}  // namespace
}  // namespace promptlab::cli

// `promptlab run`: one method on one or more datasets for one seed, every run recorded.
#include <cstdio>
#include <iostream>

#include "cli/command.hpp"
#include "cli/train/progress.hpp"
#include "cli/train/session.hpp"
#include "store/run_store.hpp"
#include "util/thread_share.hpp"

namespace promptlab::cli {
namespace {

struct RunOptions {
  std::int64_t resume = 0;
  std::string method;
  std::vector<std::string> datasets;
  std::string protocol;
  std::int64_t seed = 1;
  ModelOptions model;
  std::string config_file;
  std::vector<std::string> sets;
};

struct Row {
  Cell cell;
  ExperimentOutcome out;
};

// Base-to-new: dataset, base, new, HM per run, then the average over datasets.
void print_base2new(const RunStore& store, const std::vector<Row>& rows) {
  std::printf("\n%-22s %8s %8s %8s   run\n", "dataset", "base", "new", "HM");
  double sb = 0, sn = 0;
  int counted = 0;
  for (const auto& r : rows) {
    if (r.out.status != "finished") {
      std::printf("%-22s %8s %8s %8s   %lld (%s)\n", r.cell.dataset.c_str(), "-", "-", "-",
                  static_cast<long long>(r.out.run_id), r.out.status.c_str());
      continue;
    }
    std::printf("%-22s %8.2f %8.2f %8.2f   %lld\n", r.cell.dataset.c_str(), r.out.base, r.out.new_,
                store.harmonic_mean(r.out.base, r.out.new_), static_cast<long long>(r.out.run_id));
    sb += r.out.base;
    sn += r.out.new_;
    ++counted;
  }
  if (counted > 1) {
    sb /= counted;
    sn /= counted;
    std::printf("%-22s %8.2f %8.2f %8.2f\n", "average", sb, sn, store.harmonic_mean(sb, sn));
  }
}

// All classes (few-shot, transfer): dataset, shots, accuracy, then each target's accuracy.
void print_all_classes(const std::vector<Row>& rows) {
  std::printf("\n%-22s %6s %8s   run\n", "dataset", "shots", "acc");
  for (const auto& r : rows) {
    if (r.out.status != "finished") {
      std::printf("%-22s %6s %8s   %lld (%s)\n", r.cell.dataset.c_str(), "-", "-",
                  static_cast<long long>(r.out.run_id), r.out.status.c_str());
      continue;
    }
    std::printf("%-22s %6lld %8.2f   %lld\n", r.cell.dataset.c_str(), static_cast<long long>(r.out.shots),
                r.out.all, static_cast<long long>(r.out.run_id));
    for (const auto& [target, acc] : r.out.targets) std::printf("  -> %-17s %6s %8.2f\n", target.c_str(), "", acc);
  }
}

void print_summary(const RunStore& store, const Protocol& protocol, const std::vector<Row>& rows, const std::string& method,
                   std::int64_t seed, const std::string& db) {
  if (protocol.subsample == "base2new") {
    print_base2new(store, rows);
  } else {
    print_all_classes(rows);
  }
  std::printf("\nmethod %s, protocol %s (%s), seed %lld; recorded in %s\n", method.c_str(), protocol.name.c_str(),
              protocol.hash.c_str(), static_cast<long long>(seed), db.c_str());
}

// `run --resume ID`: the interrupted run again, with its recorded config, from its last checkpoint.
int resume(std::int64_t run_id, const GlobalOptions& global, PluginHost& host) {
  const std::string db = existing_db_path(global);
  Progress progress;
  RunStore store = open_store_for_runs(db, progress);
  const auto rec = store.get_run(run_id);
  if (!rec) throw std::invalid_argument("run store " + db + ": no run with id " + std::to_string(run_id));
  if (rec->status != "interrupted") {
    throw std::invalid_argument("run " + std::to_string(run_id) + " is " + rec->status +
                                "; only an interrupted run can be resumed");
  }
  if (global.threads <= 0) {
    // The thread count changes the last bits of a result (docs/speed.md): continue with the count
    // the run's last epoch recorded, so that the resumed run equals an uninterrupted one.
    const auto epochs = store.epochs(run_id);
    if (!epochs.empty() && epochs.back().values.count("threads")) {
      set_thread_policy(static_cast<int>(epochs.back().values.at("threads")));
    }
  }
  const Protocol protocol = choose_protocol(rec->protocol, false);
  const Cell cell{rec->method, rec->dataset, rec->shots, rec->seed};
  ExperimentRequest request = make_request(cell, "", {}, {});
  request.resume_run = run_id;
  install_stop_handlers();
  ExperimentOutcome out = run_experiment(host, store, db, protocol, request, progress_observer(progress), &stop_flag());
  if (out.status != "finished") progress.log("run " + std::to_string(out.run_id) + " " + out.status + ": " + out.error);
  print_summary(store, protocol, {{cell, out}}, rec->method, rec->seed, db);
  return out.status == "finished" ? 0 : 1;
}

int execute(const RunOptions& o, const GlobalOptions& global) {
  apply_threads(global);
  auto host = open_host(global);
  if (o.resume > 0) return resume(o.resume, global, *host);
  if (o.method.empty()) throw std::invalid_argument("run: --method is required (or --resume RUN_ID)");
  host->method(o.method);  // unknown method: error listing the valid ones
  const GridPlan plan = plan_grid(*host, {o.method}, o.protocol, o.datasets, o.config_file, o.sets, o.model);
  const Protocol& protocol = plan.protocol;
  const std::string db = resolve_db_path(global);
  Progress progress;
  RunStore store = open_store_for_runs(db, progress);
  install_stop_handlers();
  const ExperimentObserver observer = progress_observer(progress);

  std::vector<Row> rows;
  int failures = 0;
  bool interrupted = false;
  for (const auto& d : plan.datasets) {
    for (auto n : plan.shots) {
      const Cell cell{o.method, d, n, o.seed};
      ExperimentOutcome out =
          run_experiment(*host, store, db, protocol, make_request(cell, o.config_file, o.sets, o.model), observer,
                         &stop_flag());
      if (out.status != "finished") {
        ++failures;
        progress.log("run " + std::to_string(out.run_id) + " " + out.status + ": " + out.error);
      }
      rows.push_back({cell, out});
      interrupted = out.status == "interrupted";
      if (interrupted) break;
    }
    if (interrupted) break;
  }
  print_summary(store, protocol, rows, o.method, o.seed, db);
  return failures == 0 ? 0 : 1;
}

void setup_run(CLI::App& app, GlobalOptions& global) {
  auto opts = std::make_shared<RunOptions>();
  CLI::App* cmd = app.add_subcommand("run", "Train and evaluate one method under a protocol, recording every run");
  cmd->add_option("--method,-m", opts->method, "Method (see `promptlab plugins`); required unless --resume");
  cmd->add_option("--resume", opts->resume,
                  "Continue this interrupted run from its last epoch checkpoint, with its recorded config")
      ->excludes("--method");
  cmd->add_option("--dataset,-d", opts->datasets,
                  "Dataset name or user dataset TOML (repeatable; default: the protocol's datasets or the embedded suite)");
  cmd->add_option("--protocol,-p", opts->protocol, "Protocol name or TOML file (default base2new-tiny, or base2new with --weights)");
  cmd->add_option("--seed,-s", opts->seed, "Seed (few-shot sampling and initialisation)")->default_val(1);
  cmd->add_option("--weights", opts->model.weights, "CLIP weights (OpenAI TorchScript .pt or promptlab checkpoint)");
  cmd->add_option("--vocab", opts->model.vocab, "BPE merges file for --weights (bpe_simple_vocab_16e6.txt.gz)");
  cmd->add_option("--data-root", opts->model.data_root, "Root folder of the reference datasets");
  add_resource_options(*cmd, opts->model);
  cmd->add_option("--config", opts->config_file, "TOML file of config keys");
  cmd->add_option("--set", opts->sets, "key=value override (repeatable), e.g. --set optim.lr=0.01");
  cmd->add_option("--db", global.db_path, "Run store (default $PROMPTLAB_DB or ./promptlab.db)");
  cmd->callback([opts, &global] {
    int rc = execute(*opts, global);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
}

CommandRegistration run_registration{"run", 10, setup_run};

}  // namespace
}  // namespace promptlab::cli

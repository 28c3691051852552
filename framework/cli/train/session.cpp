#include "cli/train/session.hpp"

#include <iostream>

#include "train/builtins.hpp"
#include "train/config_checks.hpp"
#include "train/dataset_source.hpp"
#include "train/model_source.hpp"
#include "world/suite.hpp"

namespace promptlab::cli {

std::unique_ptr<PluginHost> open_host(const GlobalOptions& global, bool report_errors) {
  auto host = std::make_unique<PluginHost>();
  register_builtins(*host);
  host->load_all(global.plugin_paths);
  if (report_errors) {
    for (const auto& w : missing_plugin_dirs(global)) std::cerr << "promptlab: warning: " << w << "\n";
    for (const auto& e : host->errors()) {
      std::cerr << "promptlab: warning: plugin " << e.path << " not loaded: " << e.reason << "\n";
    }
  }
  return host;
}

Protocol choose_protocol(const std::string& requested, bool user_weights) {
  if (!requested.empty()) return load_protocol(requested);
  return load_protocol(user_weights ? "base2new" : "base2new-tiny");
}

std::vector<std::string> choose_datasets(const std::vector<std::string>& requested, const Protocol& protocol) {
  if (!requested.empty()) return requested;
  if (!protocol.datasets.empty()) return protocol.datasets;
  return embedded_dataset_names();
}

void preflight(const PluginHost& host, const Protocol& protocol, const std::vector<std::string>& methods,
               const std::vector<std::string>& datasets, const std::string& config_file,
               const std::vector<std::string>& sets, const ModelOptions& model) {
  for (const auto& m : methods) {
    for (const auto& d : datasets) {
      const Config config = resolve_config(host, protocol, make_request({m, d, 0, 1}, config_file, sets, model));
      const MethodSpec& spec = host.method(m);
      check_config_ranges(config, spec.trains);
      if (spec.trains) host.make_step_rule(spec.step_rule, config);  // the rule checks its own keys
      resolve_model_files(config);
      check_dataset_files(host, d, config);
      for (const auto& t : protocol.targets) check_dataset_files(host, t, config);
    }
  }
}

GridPlan plan_grid(const PluginHost& host, const std::vector<std::string>& methods, const std::string& protocol,
                   const std::vector<std::string>& datasets, const std::string& config_file,
                   const std::vector<std::string>& sets, const ModelOptions& model) {
  GridPlan plan{choose_protocol(protocol, !model.weights.empty()), {}, {}};
  plan.datasets = choose_datasets(datasets, plan.protocol);
  preflight(host, plan.protocol, methods, plan.datasets, config_file, sets, model);
  plan.shots = shots_grid(plan.protocol, config_file, sets);
  return plan;
}

RunStore open_store_for_runs(const std::string& db, Progress& progress) {
  RunStore store(db);
  const std::vector<std::int64_t> dead = store.reap_dead_runs();
  if (!dead.empty()) {
    std::string ids;
    for (auto id : dead) ids += (ids.empty() ? "" : ", ") + std::to_string(id);
    progress.log("marked interrupted (their process died): run" + std::string(dead.size() > 1 ? "s " : " ") + ids +
                 "; promptlab run --resume ID continues one, bench resumes them");
  }
  return store;
}

ExperimentObserver progress_observer(Progress& progress) {
  ExperimentObserver observer;
  observer.log = [&progress](const std::string& line) { progress.log(line); };
  observer.step = [&progress](int e, int es, int s, int ss, double loss, double acc) {
    progress.step(e, es, s, ss, loss, acc);
  };
  observer.done_line = [&progress] { progress.done(); };
  return observer;
}

std::vector<std::int64_t> shots_grid(const Protocol& protocol, const std::string& config_file,
                                     const std::vector<std::string>& sets) {
  bool fixed = false;
  for (const auto& a : sets) fixed |= Config::parse_assignment(a).first == "data.shots";
  if (!config_file.empty()) fixed |= Config::from_toml_file(config_file).has("data.shots");
  if (fixed || protocol.shots.size() == 1) return {0};
  return protocol.shots;
}

ExperimentRequest make_request(const Cell& cell, const std::string& config_file, const std::vector<std::string>& sets,
                               const ModelOptions& model) {
  ExperimentRequest req;
  req.method = cell.method;
  req.dataset = cell.dataset;
  req.shots = cell.shots;
  req.seed = cell.seed;
  req.config_file = config_file;
  req.assignments = sets;
  req.cli_overrides = model.as_config();
  req.feature_cache = model.feature_cache;
  req.cache_dir = model.cache_dir;
  req.text_chunk = model.text_chunk;
  req.shared_prefix = model.shared_prefix;
  return req;
}

void add_resource_options(CLI::App& cmd, ModelOptions& model) {
  cmd.add_flag("!--no-feature-cache", model.feature_cache,
               "Encode every image again, reading and writing no feature cache (same results, slower)");
  cmd.add_option("--cache-dir", model.cache_dir,
                 "Folder for feature caches and few-shot splits (default: <db>.d); several stores may share one");
  add_text_chunk_option(cmd, model.text_chunk);
  add_shared_prefix_option(cmd, model.shared_prefix);
}

void add_text_chunk_option(CLI::App& cmd, std::int64_t& text_chunk) {
  cmd.add_option("--text-chunk", text_chunk,
                 "Recompute the text encoder for its gradient N prompts at a time, keeping no activations "
                 "(less memory, and faster on CPU, for many classes; one more forward pass; 0: off)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
}

void add_shared_prefix_option(CLI::App& cmd, bool& shared_prefix) {
  cmd.add_flag("!--no-shared-prefix", shared_prefix,
               "Encode every prompt whole, instead of the tokens before the class name once per context "
               "(the same results to float rounding, slower)");
}

Config ModelOptions::as_config() const {
  Config c;
  if (!weights.empty()) c.set("model.weights", weights);
  if (!vocab.empty()) c.set("model.vocab", vocab);
  if (!data_root.empty()) c.set("data.root", data_root);
  return c;
}

ResultTable result_table_of(const Protocol& protocol) {
  if (!protocol.targets.empty()) return ResultTable::kTransfer;
  return protocol.subsample == "base2new" ? ResultTable::kBase2New : ResultTable::kFewShot;
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : text) {
    if (c == ',') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else if (c != ' ') {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

}  // namespace promptlab::cli

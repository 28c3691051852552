#include "cli/train/session.hpp"

#include <iostream>

#include "train/builtins.hpp"
#include "train/dataset_source.hpp"
#include "train/model_source.hpp"
#include "world/suite.hpp"

namespace promptlab::cli {

std::unique_ptr<PluginHost> open_host(const GlobalOptions& global, bool report_errors) {
  auto host = std::make_unique<PluginHost>();
  register_builtins(*host);
  host->load_all(global.plugin_paths);
  if (report_errors) {
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
      const Config config = resolve_config(host, protocol, make_request(m, d, 1, config_file, sets, model));
      resolve_model_files(config);
      check_dataset_files(host, d, config);
    }
  }
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

ExperimentRequest make_request(const std::string& method, const std::string& dataset, std::int64_t seed,
                               const std::string& config_file, const std::vector<std::string>& sets,
                               const ModelOptions& model) {
  ExperimentRequest req;
  req.method = method;
  req.dataset = dataset;
  req.seed = seed;
  req.config_file = config_file;
  req.assignments = sets;
  req.cli_overrides = model.as_config();
  return req;
}

Config ModelOptions::as_config() const {
  Config c;
  if (!weights.empty()) c.set("model.weights", weights);
  if (!vocab.empty()) c.set("model.vocab", vocab);
  if (!data_root.empty()) c.set("data.root", data_root);
  return c;
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

#include "cli/train/session.hpp"

#include <iostream>

#include "train/builtins.hpp"
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

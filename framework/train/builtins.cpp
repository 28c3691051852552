#include "train/builtins.hpp"

#include "data/reference_datasets.hpp"
#include "registry/plugin_host.hpp"
#include "train/batch_objective.hpp"
#include "world/suite.hpp"

namespace promptlab {

void register_builtins(PluginHost& host) {
  host.begin_builtin();
  host.add_step_rule(kPlainStepRule, [](const Config&) { return std::make_unique<PlainStepRule>(); });
  for (const auto& info : reference_datasets()) {
    const std::string name = info.name;
    host.add_dataset(name, [name](const DatasetOptions& opts) { return open_reference_dataset(name, opts); });
  }
  std::vector<std::string> embedded = embedded_dataset_names();
  for (const auto& target : embedded_target_names()) embedded.push_back(target);
  for (const auto& name : embedded) {
    host.add_dataset(name, [name](const DatasetOptions&) { return open_embedded_dataset(name); });
  }
}

}  // namespace promptlab

#include "train/builtins.hpp"

#include "data/reference_datasets.hpp"
#include "registry/plugin_host.hpp"
#include "train/batch_objective.hpp"
#include "world/suite.hpp"

namespace promptlab {

void register_builtins(PluginHost& host) {
  host.begin_builtin();
  host.add_step_rule("sgd", [](const Config&) { return std::make_unique<PlainStepRule>(); });
  for (const auto& info : reference_datasets()) {
    const std::string name = info.name;
    host.add_dataset(name, [name](const DatasetOptions& opts) { return open_reference_dataset(name, opts); });
  }
  for (const auto& name : embedded_dataset_names()) {
    host.add_dataset(name, [name](const DatasetOptions&) { return open_embedded_dataset(name); });
  }
}

}  // namespace promptlab

#include "train/dataset_source.hpp"

#include <filesystem>
#include <stdexcept>

#include "data/dataset_layout.hpp"
#include "data/dataset_listing.hpp"
#include "data/reference_datasets.hpp"
#include "registry/plugin_host.hpp"

namespace promptlab {

bool is_dataset_file(const std::string& name) {
  return name.size() > 5 && name.compare(name.size() - 5, 5, ".toml") == 0;
}

DatasetOptions dataset_options(const Config& config) {
  DatasetOptions opts;
  opts.root = config.get_string("data.root", "");
  if (opts.root.empty()) opts.root = default_data_root();
  return opts;
}

std::shared_ptr<Dataset> open_dataset(const PluginHost& host, const std::string& name, const Config& config) {
  if (is_dataset_file(name)) return open_user_dataset(name);
  return host.make_dataset(name, dataset_options(config));
}

void check_dataset_files(const PluginHost& host, const std::string& name, const Config& config) {
  if (is_dataset_file(name)) {
    open_user_dataset(name);
    return;
  }
  const ReferenceDatasetInfo* info = find_reference_dataset(name);
  if (!info) {
    open_dataset(host, name, config);  // embedded or a plugin's (cheap to open), or unknown: lists the valid ones
    return;
  }
  const DatasetOptions opts = dataset_options(config);
  if (!std::filesystem::is_directory(opts.root)) {
    throw std::runtime_error("dataset " + name + ": data root '" + opts.root +
                             "' does not exist (pass --data-root DIR or set PROMPTLAB_DATA_ROOT)");
  }
  const std::string missing = missing_paths_message(*info, opts.root);
  if (!missing.empty()) throw std::runtime_error(missing);
}

}  // namespace promptlab

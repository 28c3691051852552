#pragma once
// The dataset a run uses: a registered name (reference, embedded or a plugin's) or a user
// dataset TOML file, with the data root from the config.
#include <memory>
#include <string>

#include "promptlab/config.hpp"
#include "promptlab/dataset.hpp"

namespace promptlab {

class PluginHost;

/// True when a dataset argument names a user dataset TOML file rather than a registered dataset.
bool is_dataset_file(const std::string& name);

/// data.root from the config, else the default data root ($PROMPTLAB_DATA_ROOT or ./data).
DatasetOptions dataset_options(const Config& config);

/// Opens the dataset `name` (errors name the missing file or folder).
std::shared_ptr<Dataset> open_dataset(const PluginHost& host, const std::string& name, const Config& config);

/// Checks that the files of `name` are where they should be, without decoding any image:
/// a reference dataset's layout under the data root, a user dataset file, a plugin dataset
/// by opening it. Throws one error naming every missing path; an unknown name lists the valid ones.
void check_dataset_files(const PluginHost& host, const std::string& name, const Config& config);

}  // namespace promptlab

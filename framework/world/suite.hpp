#pragma once
// The embedded downstream suite: classification datasets drawn from the world.
#include <memory>
#include <string>
#include <vector>

#include "promptlab/dataset.hpp"

namespace promptlab {

/// Names of the embedded datasets ("tiny_shapes", "tiny_colors", ...), in suite order.
std::vector<std::string> embedded_dataset_names();

/// Names of the embedded test-only datasets (shifted renderings; evaluation targets of dg-tiny).
std::vector<std::string> embedded_target_names();

/// Opens an embedded dataset or target by name; throws std::invalid_argument listing the valid names.
std::shared_ptr<Dataset> open_embedded_dataset(const std::string& name);

}  // namespace promptlab

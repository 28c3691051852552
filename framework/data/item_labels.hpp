#pragma once
// The labels of a list of dataset items, as the int64 tensor a classifier is scored against.
#include <torch/torch.h>

#include <vector>

#include "promptlab/dataset.hpp"

namespace promptlab {

/// [items.size()] int64 tensor of items[i].label, in order.
torch::Tensor labels_of(const std::vector<DataItem>& items);

}  // namespace promptlab

#include "data/item_labels.hpp"

#include <cstdint>

namespace promptlab {

torch::Tensor labels_of(const std::vector<DataItem>& items) {
  std::vector<std::int64_t> labels;
  labels.reserve(items.size());
  for (const auto& item : items) labels.push_back(item.label);
  return torch::tensor(labels, torch::kInt64);
}

}  // namespace promptlab

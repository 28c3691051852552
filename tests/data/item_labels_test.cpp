// labels_of: item labels in order, as int64, including the empty list.
#include <gtest/gtest.h>

#include "data/item_labels.hpp"

namespace promptlab {
namespace {

DataItem item(std::string id, std::int64_t label) {
  DataItem d;
  d.id = std::move(id);
  d.label = label;
  return d;
}

TEST(ItemLabels, KeepsTheOrderOfTheItems) {
  torch::Tensor y = labels_of({item("a", 3), item("b", 0), item("c", 7), item("d", 3)});
  ASSERT_EQ(y.scalar_type(), torch::kInt64);
  ASSERT_EQ(y.dim(), 1);
  ASSERT_EQ(y.size(0), 4);
  EXPECT_EQ(y[0].item<std::int64_t>(), 3);
  EXPECT_EQ(y[1].item<std::int64_t>(), 0);
  EXPECT_EQ(y[2].item<std::int64_t>(), 7);
  EXPECT_EQ(y[3].item<std::int64_t>(), 3);
}

TEST(ItemLabels, NoItemsGiveAnEmptyTensor) {
  torch::Tensor y = labels_of({});
  EXPECT_EQ(y.scalar_type(), torch::kInt64);
  EXPECT_EQ(y.numel(), 0);
}

}  // namespace
}  // namespace promptlab

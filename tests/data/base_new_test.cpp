// Base/new class subsets: ceil(n/2) base classes, relabelling, identical across splits.
#include <gtest/gtest.h>

#include "data/base_new.hpp"
#include "data/few_shot.hpp"
#include "mem_dataset.hpp"

namespace promptlab {
namespace {

using test::MemDataset;

TEST(BaseNew, ThirtySevenClassesSplitNineteenEighteen) {
  MemDataset d("pets", std::vector<int>(37, 3), 1, 2);
  auto names = d.classnames();
  auto test = d.items(Split::kTest);
  auto base = subsample_classes(test, names, ClassSubset::kBase);
  auto nw = subsample_classes(test, names, ClassSubset::kNew);
  ASSERT_EQ(base.classnames.size(), 19u);
  ASSERT_EQ(nw.classnames.size(), 18u);
  EXPECT_EQ(base.items.size(), 38u);
  EXPECT_EQ(nw.items.size(), 36u);
  EXPECT_EQ(base.classnames.front(), "class 0");
  EXPECT_EQ(base.classnames.back(), "class 18");
  EXPECT_EQ(nw.classnames.front(), "class 19");
  EXPECT_EQ(nw.classnames.back(), "class 36");
  // New classes are relabelled 0..17 in order, keeping their class names.
  for (const auto& it : nw.items) {
    EXPECT_GE(it.label, 0);
    EXPECT_LT(it.label, 18);
    EXPECT_EQ(it.classname, "class " + std::to_string(it.label + 19));
    EXPECT_EQ(nw.classnames[static_cast<std::size_t>(it.label)], it.classname);
  }
  EXPECT_EQ(nw.items.front().id, "mem:test:19:0");
}

TEST(BaseNew, ProtocolCountsForAllElevenSizes) {
  const std::vector<std::pair<int, int>> sizes = {{1000, 500}, {100, 50}, {37, 19}, {196, 98}, {102, 51}, {101, 51},
                                                  {397, 199}, {47, 24},  {10, 5}};
  for (const auto& [n, m] : sizes) {
    std::vector<std::string> names(static_cast<std::size_t>(n), "c");
    std::vector<DataItem> items;
    for (int c = 0; c < n; ++c) items.push_back({"i" + std::to_string(c), c, "c"});
    EXPECT_EQ(subsample_classes(items, names, ClassSubset::kBase).classnames.size(), static_cast<std::size_t>(m));
    EXPECT_EQ(subsample_classes(items, names, ClassSubset::kNew).classnames.size(),
              static_cast<std::size_t>(n - m));
  }
}

TEST(BaseNew, AllIsUnchanged) {
  MemDataset d("m", {2, 2, 2}, 1, 1);
  auto items = d.items(Split::kTrain);
  auto all = subsample_classes(items, d.classnames(), ClassSubset::kAll);
  ASSERT_EQ(all.items.size(), items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    EXPECT_EQ(all.items[i].id, items[i].id);
    EXPECT_EQ(all.items[i].label, items[i].label);
  }
  EXPECT_EQ(all.classnames, d.classnames());
}

TEST(BaseNew, LabelSetFromTheFewShotTrainAppliesToEverySplit) {
  MemDataset d("m", std::vector<int>(6, 5), 4, 3);
  auto fs = sample_few_shot(d, 2, 1);
  // Drop class 5 from the label source: 5 labels -> 3 base (0,1,2), new = 3,4.
  std::vector<DataItem> source;
  for (const auto& it : fs.train) {
    if (it.label != 5) source.push_back(it);
  }
  EXPECT_EQ(subset_labels(source, ClassSubset::kBase), (std::vector<std::int64_t>{0, 1, 2}));
  EXPECT_EQ(subset_labels(source, ClassSubset::kNew), (std::vector<std::int64_t>{3, 4}));
  auto test_new = subsample_classes(d.items(Split::kTest), d.classnames(), ClassSubset::kNew, source);
  EXPECT_EQ(test_new.classnames, (std::vector<std::string>{"class 3", "class 4"}));
  EXPECT_EQ(test_new.items.size(), 6u);
  auto val_base = subsample_classes(fs.val, d.classnames(), ClassSubset::kBase, source);
  EXPECT_EQ(val_base.items.size(), 3u * 2);
}

TEST(BaseNew, ParseAndPrint) {
  EXPECT_EQ(parse_class_subset("base"), ClassSubset::kBase);
  EXPECT_EQ(to_string(ClassSubset::kNew), "new");
  EXPECT_THROW(parse_class_subset("old"), std::invalid_argument);
}

}  // namespace
}  // namespace promptlab

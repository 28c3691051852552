// Few-shot sampling: sizes, fewer-than-shots classes, determinism and the JSON record.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>

#include "data/few_shot.hpp"
#include "data/reference_datasets.hpp"
#include "data_test_util.hpp"
#include "mem_dataset.hpp"

namespace promptlab {
namespace {

using test::MemDataset;
using test::TempDir;

std::map<std::int64_t, int> per_label(const std::vector<DataItem>& items) {
  std::map<std::int64_t, int> m;
  for (const auto& it : items) ++m[it.label];
  return m;
}

TEST(FewShot, SizesPerClassAndValIsMinOfShotsAndFour) {
  MemDataset d("mem", std::vector<int>(10, 30), 8, 5);
  auto split = sample_few_shot(d, 16, 1);
  EXPECT_EQ(split.train.size(), 160u);
  EXPECT_EQ(split.val.size(), 40u);
  for (const auto& [label, n] : per_label(split.train)) EXPECT_EQ(n, 16) << label;
  for (const auto& [label, n] : per_label(split.val)) EXPECT_EQ(n, 4) << label;
  EXPECT_TRUE(split.warnings.empty());
  std::set<std::string> ids;
  for (const auto& it : split.train) {
    EXPECT_TRUE(ids.insert(it.id).second) << "drawn twice: " << it.id;  // without replacement
    EXPECT_EQ(it.id.find("mem:train:" + std::to_string(it.label) + ":"), 0u);
  }
  auto two = sample_few_shot(d, 2, 1);
  EXPECT_EQ(two.train.size(), 20u);
  EXPECT_EQ(two.val.size(), 20u);  // min(2, 4) = 2 per class
}

TEST(FewShot, FewerThanShotsTakesAllWithAWarning) {
  MemDataset d("mem", {30, 3, 30, 0}, 2, 1);
  auto split = sample_few_shot(d, 16, 7);
  auto counts = per_label(split.train);
  EXPECT_EQ(counts[0], 16);
  EXPECT_EQ(counts[1], 3);
  EXPECT_EQ(counts[2], 16);
  EXPECT_EQ(counts.count(3), 0u);
  EXPECT_EQ(split.val.size(), 8u);  // 2 per class: fewer than min(16, 4)
  int class1 = 0;
  for (const auto& w : split.warnings) {
    if (w.find("class 1 'class 1' has 3 train items") != std::string::npos) ++class1;
  }
  EXPECT_EQ(class1, 1);
  EXPECT_GE(split.warnings.size(), 2u + 4u);  // classes 1 and 3 in train, every class in val
}

TEST(FewShot, DeterministicPerSeedAndDifferentAcrossSeeds) {
  MemDataset d("mem", std::vector<int>(5, 50), 10, 1);
  auto a = sample_few_shot(d, 4, 3);
  auto b = sample_few_shot(d, 4, 3);
  auto c = sample_few_shot(d, 4, 4);
  ASSERT_EQ(a.train.size(), b.train.size());
  bool differs = false;
  for (std::size_t i = 0; i < a.train.size(); ++i) {
    EXPECT_EQ(a.train[i].id, b.train[i].id);
    differs = differs || a.train[i].id != c.train[i].id;
  }
  EXPECT_TRUE(differs);
}

TEST(FewShot, AllShotsMeansEveryItem) {
  MemDataset d("mem", {3, 5}, 2, 1);
  auto split = sample_few_shot(d, 0, 1);
  EXPECT_EQ(split.train.size(), 8u);
  EXPECT_EQ(split.val.size(), 4u);
}

TEST(FewShot, JsonIsWrittenReadableAndReused) {
  TempDir tmp("fewshot_json");
  MemDataset d("mem", {20, 2, 20}, 6, 1);
  auto first = load_or_sample_few_shot(d, 8, 2, tmp.str());
  const std::string path = (tmp.path() / "mem" / "shot_8-seed_2.json").string();
  ASSERT_EQ(few_shot_split_path(d, 8, 2, tmp.str()), path);
  ASSERT_TRUE(std::filesystem::exists(path));
  auto doc = nlohmann::json::parse(std::ifstream(path));
  EXPECT_EQ(doc["dataset"], "mem");
  EXPECT_EQ(doc["shots"], 8);
  EXPECT_EQ(doc["classnames"].size(), 3u);
  EXPECT_EQ(doc["train"].size(), first.train.size());
  EXPECT_EQ(doc["train"][0]["classname"], first.train[0].classname);

  // Reuse: edit the file by hand (swap two train items of class 0) and see the edit come back.
  std::swap(doc["train"][0], doc["train"][1]);
  std::ofstream(path) << doc.dump(2);
  auto again = load_or_sample_few_shot(d, 8, 2, tmp.str());
  ASSERT_EQ(again.train.size(), first.train.size());
  EXPECT_EQ(again.train[0].id, first.train[1].id);
  EXPECT_EQ(again.train[1].id, first.train[0].id);
  EXPECT_EQ(again.val.size(), first.val.size());
  EXPECT_EQ(again.warnings, first.warnings);
  EXPECT_FALSE(again.warnings.empty());  // class 1 had 2 items for 8 shots
}

TEST(FewShot, JsonValidatedAgainstTheDataset) {
  TempDir tmp("fewshot_validate");
  MemDataset d("mem", {20, 20}, 4, 1);
  load_or_sample_few_shot(d, 4, 1, tmp.str());
  const std::string path = few_shot_split_path(d, 4, 1, tmp.str());
  auto doc = nlohmann::json::parse(std::ifstream(path));
  doc["train"][0]["label"] = 1;  // ids of class 0 labelled 1
  std::ofstream(path) << doc.dump();
  try {
    load_or_sample_few_shot(d, 4, 1, tmp.str());
    FAIL() << "expected a validation error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
  doc["train"][0]["label"] = 0;
  doc["train"][0]["id"] = "mem:train:0:999";
  std::ofstream(path) << doc.dump();
  EXPECT_THROW(load_or_sample_few_shot(d, 4, 1, tmp.str()), std::runtime_error);
  std::ofstream(path) << "{ not json";
  EXPECT_THROW(load_or_sample_few_shot(d, 4, 1, tmp.str()), std::runtime_error);
}

TEST(FewShot, WorksOnAFileDataset) {
  TempDir tmp("fewshot_files");
  test::make_zhou_tree(tmp.path(), "oxford_pets", "split_zhou_OxfordPets.json", "images", 37, 20, 5, 2,
                       [] {
                         std::vector<int> v(37, 20);
                         v[5] = 9;
                         return v;
                       }());
  auto ds = open_reference_dataset("oxford_pets", {tmp.str()});
  auto split = load_or_sample_few_shot(*ds, 16, 1, (tmp.path() / "splits").string());
  EXPECT_EQ(split.train.size(), 36u * 16 + 9);
  EXPECT_EQ(split.val.size(), 37u * 4);
  ASSERT_EQ(split.warnings.size(), 1u);
  EXPECT_NE(split.warnings[0].find("class 5"), std::string::npos);
  auto reused = load_or_sample_few_shot(*ds, 16, 1, (tmp.path() / "splits").string());
  EXPECT_EQ(reused.train.size(), split.train.size());
  EXPECT_EQ(reused.train.back().id, split.train.back().id);
}

}  // namespace
}  // namespace promptlab

// Feature cache: hits, misses, persistence, and invalidation by model or transform.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <future>
#include <thread>

#include "data/feature_cache.hpp"
#include "data_test_util.hpp"
#include "mem_dataset.hpp"

namespace promptlab {
namespace {

using test::MemDataset;
using test::TempDir;

// A fake encoder: row = [label, index-in-split hash, ...] so results are checkable.
torch::Tensor fake_features(const std::vector<DataItem>& items, const std::vector<std::size_t>& idx, int dim,
                            std::size_t* calls) {
  if (calls) *calls += idx.size();
  auto t = torch::empty({static_cast<std::int64_t>(idx.size()), dim});
  for (std::size_t r = 0; r < idx.size(); ++r) {
    const auto& id = items[idx[r]].id;
    for (int c = 0; c < dim; ++c) t[static_cast<std::int64_t>(r)][c] = static_cast<float>(std::hash<std::string>{}(id) % 1000) + c;
  }
  return t;
}

TEST(FeatureCache, MissThenHitAcrossInstances) {
  TempDir tmp("fcache");
  MemDataset d("mem", {4, 4, 4}, 1, 2);
  auto items = d.items(Split::kTest);
  std::size_t calls = 0;
  auto compute = [&](const std::vector<std::size_t>& idx) { return fake_features(items, idx, 8, &calls); };
  torch::Tensor first;
  {
    FeatureCache cache(tmp.str(), "model-abc");
    first = cache.get_or_compute(d, items, "test", 0, compute);
    EXPECT_EQ(cache.misses(), items.size());
    EXPECT_EQ(cache.hits(), 0u);
    auto again = cache.get_or_compute(d, items, "test", 0, compute);
    EXPECT_EQ(cache.hits(), items.size());
    EXPECT_TRUE(torch::equal(first, again));
  }
  EXPECT_EQ(calls, items.size());
  FeatureCache fresh(tmp.str(), "model-abc");
  // A subset, reordered and with a duplicate, from disk.
  std::vector<DataItem> some = {items[5], items[0], items[5]};
  auto got = fresh.get_or_compute(d, some, "test", 0, compute);
  EXPECT_EQ(calls, items.size());
  EXPECT_EQ(fresh.hits(), 3u);
  ASSERT_EQ(got.sizes(), (std::vector<std::int64_t>{3, 8}));
  EXPECT_TRUE(torch::equal(got[0], first[5]));
  EXPECT_TRUE(torch::equal(got[1], first[0]));
  EXPECT_TRUE(torch::equal(got[2], first[5]));
}

TEST(FeatureCache, PartialMissesAreMerged) {
  TempDir tmp("fcache_merge");
  MemDataset d("mem", {6}, 1, 1);
  auto items = d.items(Split::kTrain);
  std::size_t calls = 0;
  std::vector<std::size_t> last_idx;
  auto compute = [&](const std::vector<std::size_t>& idx) {
    last_idx = idx;
    return fake_features(items, idx, 4, &calls);
  };
  FeatureCache cache(tmp.str(), "m");
  cache.get_or_compute(d, {items.begin(), items.begin() + 3}, "train", 1, compute);
  EXPECT_EQ(calls, 3u);
  auto all = cache.get_or_compute(d, items, "train", 1, compute);
  EXPECT_EQ(calls, 6u);
  EXPECT_EQ(last_idx, (std::vector<std::size_t>{3, 4, 5}));
  FeatureCache reread(tmp.str(), "m");
  auto again = reread.get_or_compute(d, items, "train", 1, compute);
  EXPECT_EQ(calls, 6u);
  EXPECT_TRUE(torch::equal(all, again));
}

TEST(FeatureCache, OtherModelTransformViewOrDatasetNeverShareFeatures) {
  TempDir tmp("fcache_inval");
  MemDataset d("mem", {3}, 1, 1);
  MemDataset changed("mem", {3}, 1, 1, "-v2");  // same name, different content key
  auto items = d.items(Split::kTrain);
  std::size_t calls = 0;
  auto compute = [&](const std::vector<std::size_t>& idx) { return fake_features(items, idx, 4, &calls); };
  FeatureCache a(tmp.str(), "model-a");
  a.get_or_compute(d, items, "test", 0, compute);
  EXPECT_EQ(calls, 3u);
  FeatureCache b(tmp.str(), "model-b");
  b.get_or_compute(d, items, "test", 0, compute);
  EXPECT_EQ(calls, 6u);
  EXPECT_EQ(b.hits(), 0u);
  FeatureCache a2(tmp.str(), "model-a");
  a2.get_or_compute(d, items, "train", 0, compute);
  EXPECT_EQ(calls, 9u);
  a2.get_or_compute(d, items, "train", 1, compute);
  EXPECT_EQ(calls, 12u);
  a2.get_or_compute(changed, items, "test", 0, compute);
  EXPECT_EQ(calls, 15u);
  a2.get_or_compute(d, items, "test", 0, compute);
  EXPECT_EQ(calls, 15u);  // the original entry still serves
  EXPECT_EQ(a2.hits(), 3u);
}

TEST(FeatureCache, CorruptFileIsIgnoredAndRewritten) {
  TempDir tmp("fcache_corrupt");
  MemDataset d("mem", {3}, 1, 1);
  auto items = d.items(Split::kTrain);
  std::size_t calls = 0;
  auto compute = [&](const std::vector<std::size_t>& idx) { return fake_features(items, idx, 4, &calls); };
  FeatureCache a(tmp.str(), "m");
  auto ref = a.get_or_compute(d, items, "test", 0, compute);
  test::write_file(a.file_path(d, "test", 0), "PLFEAT01garbage");
  FeatureCache b(tmp.str(), "m");
  auto got = b.get_or_compute(d, items, "test", 0, compute);
  EXPECT_EQ(calls, 6u);
  EXPECT_TRUE(torch::equal(ref, got));
  FeatureCache c(tmp.str(), "m");
  c.get_or_compute(d, items, "test", 0, compute);
  EXPECT_EQ(calls, 6u);
}

TEST(FeatureCache, TenThousandItemsRoundTripFromDisk) {
  TempDir tmp("fcache_big");
  MemDataset d("big", std::vector<int>(100, 100), 0, 0);
  auto items = d.items(Split::kTrain);
  ASSERT_EQ(items.size(), 10000u);
  auto compute = [&](const std::vector<std::size_t>& idx) {
    return torch::randn({static_cast<std::int64_t>(idx.size()), 512});
  };
  FeatureCache cache(tmp.str(), "m");
  auto first = cache.get_or_compute(d, items, "test", 0, compute);
  FeatureCache cold(tmp.str(), "m");
  auto again = cold.get_or_compute(d, items, "test", 0, compute);
  EXPECT_EQ(cold.hits(), 10000u);
  EXPECT_EQ(cold.misses(), 0u);
  EXPECT_TRUE(torch::equal(first, again));
}

// Two caches on one folder (as two runs on one store) asking for the same entry at once: the
// second waits for the first's turn and reads its rows instead of encoding the images again.
// flock locks separate opens of a file even within one process, so two threads stand in for two
// processes.
TEST(FeatureCache, ConcurrentRunsEncodeAnEntryOnce) {
  TempDir tmp("fcache_shared");
  MemDataset d("mem", {4, 4, 4}, 1, 2);
  const auto items = d.items(Split::kTrain);
  std::atomic<std::size_t> computed{0};
  std::promise<void> first_computing;
  std::size_t first_misses = 0, second_misses = 0, second_hits = 0;
  torch::Tensor a, b;
  std::thread first([&] {
    FeatureCache cache(tmp.str(), "model-abc");
    a = cache.get_or_compute(d, items, "train", 1, [&](const std::vector<std::size_t>& idx) {
      first_computing.set_value();
      std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the second asks meanwhile
      computed += idx.size();
      return fake_features(items, idx, 8, nullptr);
    });
    first_misses = cache.misses();
  });
  first_computing.get_future().wait();
  {
    FeatureCache cache(tmp.str(), "model-abc");
    b = cache.get_or_compute(d, items, "train", 1, [&](const std::vector<std::size_t>& idx) {
      computed += idx.size();
      return fake_features(items, idx, 8, nullptr);
    });
    second_misses = cache.misses();
    second_hits = cache.hits();
  }
  first.join();
  EXPECT_EQ(computed.load(), items.size()) << "an image was encoded twice";
  EXPECT_EQ(first_misses, items.size());
  EXPECT_EQ(second_misses, 0u);
  EXPECT_EQ(second_hits, items.size());
  EXPECT_TRUE(torch::equal(a, b));
}

// The off switch: every call encodes again (each distinct item once), and no file is written.
TEST(FeatureCache, ADisabledCacheComputesEveryCallAndWritesNothing) {
  TempDir tmp("fcache_off");
  MemDataset d("mem", {4, 4, 4}, 1, 2);
  auto items = d.items(Split::kTest);
  items.push_back(items.front());  // a repeated item is computed once per call
  std::size_t calls = 0;
  auto compute = [&](const std::vector<std::size_t>& idx) { return fake_features(items, idx, 8, &calls); };
  FeatureCache on(tmp.str() + "/on", "model-abc");
  const torch::Tensor want = on.get_or_compute(d, items, "test", 0, compute);
  calls = 0;
  FeatureCache off(tmp.str() + "/off", "model-abc", /*enabled=*/false);
  for (int round = 0; round < 2; ++round) {
    EXPECT_TRUE(torch::equal(off.get_or_compute(d, items, "test", 0, compute), want));
  }
  EXPECT_EQ(calls, 2 * (items.size() - 1));
  EXPECT_EQ(off.hits(), 0u);
  EXPECT_FALSE(std::filesystem::exists(tmp.str() + "/off"));
}

}  // namespace
}  // namespace promptlab

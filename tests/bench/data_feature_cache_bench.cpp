// The feature cache's two paths: a run that reads features another run cached (a fresh cache
// instance, so the rows come from disk), and a run that computes and writes a view's file. 2000
// items of 512 floats, ViT-B/16's embedding width: one view of a 16-shot, 125-class training set.
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "data/feature_cache.hpp"
#include "tests/data/data_test_util.hpp"
#include "tests/data/mem_dataset.hpp"

namespace {

using namespace promptlab;

constexpr std::int64_t kEmbed = 512;

const test::MemDataset& dataset() {
  static const test::MemDataset d("bench", std::vector<int>(20, 1), 1, 100);  // 20 classes x 100 test items
  return d;
}

torch::Tensor features(const std::vector<std::size_t>& idx) {
  return torch::ones({static_cast<std::int64_t>(idx.size()), kEmbed});
}

// Reads a cached view: what every run after the first pays per view instead of the image encoder.
void BM_FeatureCacheRead(benchmark::State& state) {
  test::TempDir tmp("fcache-bench-read");
  const auto items = dataset().items(Split::kTest);
  FeatureCache(tmp.str(), "bench-model").get_or_compute(dataset(), items, "train", 1, features);
  for (auto _ : state) {
    FeatureCache cache(tmp.str(), "bench-model");
    torch::Tensor rows = cache.get_or_compute(dataset(), items, "train", 1, [](const std::vector<std::size_t>&) -> torch::Tensor {
      throw std::logic_error("the cached view was computed again");
    });
    benchmark::DoNotOptimize(rows.data_ptr<float>());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(items.size()));
}

// Computes (a constant: the encoder is not what is timed) and writes a view's file atomically.
void BM_FeatureCacheWrite(benchmark::State& state) {
  test::TempDir tmp("fcache-bench-write");
  const auto items = dataset().items(Split::kTest);
  int view = 0;
  for (auto _ : state) {
    FeatureCache cache(tmp.str(), "bench-model");
    torch::Tensor rows = cache.get_or_compute(dataset(), items, "train", ++view, features);
    benchmark::DoNotOptimize(rows.data_ptr<float>());
    if (cache.misses() != items.size()) state.SkipWithError("a new view was not computed");
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(items.size()));
}

}  // namespace

BENCHMARK(BM_FeatureCacheRead)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_FeatureCacheWrite)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_MAIN();

// Generator speed: pretraining samples (scene + caption + 64 px render) per second on one core.
#include <benchmark/benchmark.h>

#include "world/fashion_mnist.hpp"
#include "world/suite.hpp"
#include "world/world.hpp"

static void BM_PretrainSample(benchmark::State& state) {
  promptlab::world::fashion_train();  // loads Fashion-MNIST outside the timing
  std::uint64_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(promptlab::world::pretrain_sample(1, i++));
  state.SetItemsProcessed(static_cast<std::int64_t>(i));
}
BENCHMARK(BM_PretrainSample);

static void BM_SuiteImage(benchmark::State& state) {
  auto d = promptlab::open_embedded_dataset("tiny_fashion");
  auto items = d->items(promptlab::Split::kTest);
  std::size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(d->load_image(items[i++ % items.size()]));
  state.SetItemsProcessed(static_cast<std::int64_t>(i));
}
BENCHMARK(BM_SuiteImage);

BENCHMARK_MAIN();

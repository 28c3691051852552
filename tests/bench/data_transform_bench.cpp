// Images per second through decode + test transform and decode + train transform
// (224x224 output) from a 500x375 JPEG held in memory, one thread.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "data/image_io.hpp"
#include "data/transforms.hpp"

namespace {

// A 500x375 photo-like JPEG (smooth gradients plus texture), encoded once.
const std::vector<std::uint8_t>& sample_jpeg() {
  static const std::vector<std::uint8_t> bytes = [] {
    promptlab::Image image;
    image.width = 500;
    image.height = 375;
    image.pixels.resize(500 * 375 * 3);
    promptlab::Rng rng(1);
    for (int y = 0; y < 375; ++y) {
      for (int x = 0; x < 500; ++x) {
        std::uint8_t* p = image.at(x, y);
        p[0] = static_cast<std::uint8_t>((x * 255) / 499);
        p[1] = static_cast<std::uint8_t>((y * 255) / 374);
        p[2] = static_cast<std::uint8_t>(((x / 8 + y / 8) % 2) * 128 + rng.below(64));
      }
    }
    return promptlab::encode_jpeg(image, 90);
  }();
  return bytes;
}

void BM_DecodeOnly(benchmark::State& state) {
  const auto& jpeg = sample_jpeg();
  for (auto _ : state) benchmark::DoNotOptimize(promptlab::decode_image_bytes(jpeg, "bench.jpg"));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecodeOnly)->Unit(benchmark::kMillisecond);

void BM_DecodeTestTransform(benchmark::State& state) {
  const auto& jpeg = sample_jpeg();
  for (auto _ : state) {
    torch::Tensor t = promptlab::test_transform(promptlab::decode_image_bytes(jpeg, "bench.jpg"), 224);
    benchmark::DoNotOptimize(t.data_ptr());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecodeTestTransform)->Unit(benchmark::kMillisecond);

void BM_DecodeTrainTransform(benchmark::State& state) {
  const auto& jpeg = sample_jpeg();
  promptlab::Rng rng(7);
  for (auto _ : state) {
    torch::Tensor t = promptlab::train_transform(promptlab::decode_image_bytes(jpeg, "bench.jpg"), 224, rng);
    benchmark::DoNotOptimize(t.data_ptr());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecodeTrainTransform)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();

// CLIP ViT-B/16 encode speed (random weights, batch 8, 2 intra-op threads):
// image tower, and text tower with and without truncation after the longest EOT.
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include "promptlab/clip_model.hpp"

namespace {

promptlab::ClipModel& vit_b16() {
  static promptlab::ClipModel model = [] {
    torch::manual_seed(0);
    promptlab::ClipModel m{promptlab::ClipConfig{}};  // defaults are ViT-B/16
    for (auto& p : m->parameters()) p.requires_grad_(false);
    return m;
  }();
  return model;
}

// Prompt-like ids: SOT, 6..13 random tokens, EOT, zero padding to 77.
torch::Tensor prompt_ids(std::int64_t batch) {
  torch::Tensor ids = torch::zeros({batch, 77}, torch::kLong);
  for (std::int64_t i = 0; i < batch; ++i) {
    const std::int64_t words = 6 + i % 8;
    ids[i][0] = 49406;
    ids[i].narrow(0, 1, words).copy_(torch::randint(1, 49405, {words}, torch::kLong));
    ids[i][words + 1] = 49407;
  }
  return ids;
}

void BM_EncodeImage(benchmark::State& state) {
  torch::set_num_threads(2);
  torch::NoGradGuard no_grad;
  auto& model = vit_b16();
  torch::Tensor images = torch::randn({8, 3, 224, 224});
  for (auto _ : state) benchmark::DoNotOptimize(model->encode_image(images));
  state.SetItemsProcessed(state.iterations() * 8);
}

void BM_EncodeText(benchmark::State& state) {
  torch::set_num_threads(2);
  torch::NoGradGuard no_grad;
  auto& model = vit_b16();
  model->set_truncate_text(state.range(0) != 0);
  torch::Tensor ids = prompt_ids(8);
  for (auto _ : state) benchmark::DoNotOptimize(model->encode_text(ids));
  model->set_truncate_text(true);
  state.SetItemsProcessed(state.iterations() * 8);
  state.SetLabel(state.range(0) != 0 ? "truncated" : "full 77");
}

BENCHMARK(BM_EncodeImage)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_EncodeText)->Arg(1)->Arg(0)->ArgName("truncate")->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();

// One training step per step rule, and CoCoOp's batched prompts against the reference's
// per-image loop: the shipped plugins (loaded as a run loads them) on ViT-B/16's text tower with
// random weights, given cached image features; 10 classes, 2 intra-op threads.
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "promptlab/clip_model.hpp"
#include "promptlab/learner.hpp"
#include "promptlab/step_rule.hpp"
#include "promptlab/tokenizer.hpp"
#include "registry/plugin_host.hpp"
#include "train/batch_objective.hpp"
#include "train/builtins.hpp"
#include "train/experiment.hpp"
#include "train/model_source.hpp"
#include "train/protocol.hpp"
#include "train/sgd.hpp"

namespace {

using namespace promptlab;

constexpr std::int64_t kClasses = 10;

struct Bench {
  PluginHost host;
  ClipModel clip{nullptr};
  std::unique_ptr<Tokenizer> tokenizer;
};

Bench* bench() {
  static Bench* b = [] {
    auto* out = new Bench;
    register_builtins(out->host);
    out->host.load_all({});
    const std::string vocab = embedded_vocab_path();
    if (vocab.empty()) return out;  // each benchmark then reports the error
    out->tokenizer = std::make_unique<Tokenizer>(Tokenizer::from_file(vocab));
    torch::manual_seed(0);
    out->clip = ClipModel(ClipConfig{});  // ViT-B/16's dimensions
    for (auto& p : out->clip->parameters()) p.requires_grad_(false);
    return out;
  }();
  return b;
}

// The method's learner and reference config (base2new), with `set` applied.
std::pair<std::shared_ptr<Learner>, Config> learner_of(const std::string& method, const std::vector<std::string>& set) {
  Bench& b = *bench();
  ExperimentRequest request;
  request.method = method;
  request.assignments = set;
  const Config config = resolve_config(b.host, load_protocol("base2new"), request);
  LearnerContext ctx;
  ctx.clip = b.clip;
  ctx.tokenizer = b.tokenizer.get();
  for (std::int64_t i = 0; i < kClasses; ++i) ctx.classnames.push_back("class " + std::to_string(i));
  ctx.prompt_template = "a photo of a {}.";
  ctx.config = config;
  auto learner = b.host.make_learner(b.host.method(method).learner, ctx);
  learner->train();
  return {learner, config};
}

// Learner forward + backward + step rule + SGD, on 32 cached image features.
void BM_StepRule(benchmark::State& state, const std::string& method, std::vector<std::string> set) {
  torch::set_num_threads(2);
  if (!bench()->tokenizer) return state.SkipWithError("assets/embedded/ (the vocabulary) is not present");
  auto [learner, config] = learner_of(method, set);
  auto rule = bench()->host.make_step_rule(bench()->host.method(method).step_rule, config);
  Sgd sgd(learner->trainable_parameters(), sgd_options(config));
  const torch::Tensor features = torch::randn({32, 512});
  const torch::Tensor labels = torch::randint(kClasses, {32}, torch::kInt64);
  for (auto _ : state) {
    BatchObjective objective(*learner, features, labels);
    rule->compute_gradient(objective);
    sgd.step();
  }
  state.SetItemsProcessed(state.iterations() * 32);
}

// CoCoOp's loss and gradients on a batch: one text-encoder call for every image's prompts, or
// one call per image as the reference does (the same numbers: CocoopTest checks it).
void BM_Cocoop(benchmark::State& state) {
  torch::set_num_threads(2);
  if (!bench()->tokenizer) return state.SkipWithError("assets/embedded/ (the vocabulary) is not present");
  auto learner = learner_of("cocoop", {}).first;
  const std::int64_t batch = 4;
  const bool batched = state.range(0) != 0;
  const torch::Tensor features = torch::randn({batch, 512});
  const torch::Tensor labels = torch::randint(kClasses, {batch}, torch::kInt64);
  for (auto _ : state) {
    torch::Tensor logits;
    if (batched) {
      logits = learner->logits(features);
    } else {
      std::vector<torch::Tensor> rows;
      for (std::int64_t i = 0; i < batch; ++i) rows.push_back(learner->logits(features.narrow(0, i, 1)));
      logits = torch::cat(rows);
    }
    torch::nn::functional::cross_entropy(logits, labels).backward();
  }
  state.SetItemsProcessed(state.iterations() * batch);
  state.SetLabel(batched ? "batched" : "per-image loop");
}

BENCHMARK_CAPTURE(BM_StepRule, sgd, std::string("coop"), std::vector<std::string>{})
    ->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_StepRule, sam, std::string("sam"), std::vector<std::string>{})
    ->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_StepRule, asam, std::string("sam"), std::vector<std::string>{"sam.adaptive=true"})
    ->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_StepRule, gcsam, std::string("gcscoop"), std::vector<std::string>{})
    ->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Cocoop)->Arg(1)->Arg(0)->ArgName("batched")->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();

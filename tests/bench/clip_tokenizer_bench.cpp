// CLIP tokenizer throughput: captions/s with a warm and a cold BPE cache,
// vocabulary loading, and merge learning.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "promptlab/tokenizer.hpp"

namespace {

std::string bench_vocab_path() {
  namespace fs = std::filesystem;
  if (const char* env = std::getenv("PROMPTLAB_CLIP_VOCAB"); env && *env && fs::exists(env)) return env;
  for (const std::string& c : {std::string(PROMPTLAB_SOURCE_DIR) + "/../shared/clip/bpe_simple_vocab_16e6.txt.gz",
                               std::string("/work/shared/clip/bpe_simple_vocab_16e6.txt.gz")})
    if (fs::exists(c)) return c;
  return "";
}

const promptlab::Tokenizer* bench_tokenizer() {
  static const std::unique_ptr<promptlab::Tokenizer> tok = []() -> std::unique_ptr<promptlab::Tokenizer> {
    const std::string path = bench_vocab_path();
    return path.empty() ? nullptr
                        : std::make_unique<promptlab::Tokenizer>(promptlab::Tokenizer::from_file(path));
  }();
  return tok.get();
}

// 1,000 deterministic prompt-style captions.
const std::vector<std::string>& captions() {
  static const std::vector<std::string> all = [] {
    const char* classes[] = {"golden retriever", "tabby cat", "Boeing 737-800", "red velvet cake",
                             "sunflower", "Ford Mustang Convertible 2007", "banded texture",
                             "annual crop land", "playing the cello", "caf\xC3\xA9 au lait",
                             "airliner", "sea_lion", "bowling alley", "honeycombed", "pizza"};
    const char* templates[] = {"a photo of a ", "a blurry photo of the ", "itap of my ",
                               "a close-up photo of a ", "art of the ", "a type of pet, "};
    const char* adjectives[] = {"", "small ", "large ", "bright ", "dark ", "old ", "new "};
    std::vector<std::string> out;
    std::size_t i = 0;
    while (out.size() < 1000) {
      out.push_back(std::string(templates[i % 6]) + adjectives[(i / 6) % 7] + classes[(i / 42) % 15] +
                    (i % 2 ? "." : ", which is a kind of thing."));
      ++i;
    }
    return out;
  }();
  return all;
}

void BM_TokenizeWarmCache(benchmark::State& state) {
  const promptlab::Tokenizer* tok = bench_tokenizer();
  if (!tok) {
    state.SkipWithError("CLIP vocabulary not found (set PROMPTLAB_CLIP_VOCAB)");
    return;
  }
  const auto& texts = captions();
  for (const auto& t : texts) benchmark::DoNotOptimize(tok->tokenize(t));
  for (auto _ : state)
    for (const auto& t : texts) benchmark::DoNotOptimize(tok->tokenize(t));
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(texts.size()));
}
BENCHMARK(BM_TokenizeWarmCache)->Unit(benchmark::kMillisecond);

void BM_TokenizeColdCache(benchmark::State& state) {
  const promptlab::Tokenizer* tok = bench_tokenizer();
  if (!tok) {
    state.SkipWithError("CLIP vocabulary not found (set PROMPTLAB_CLIP_VOCAB)");
    return;
  }
  const auto& texts = captions();
  for (auto _ : state) {
    state.PauseTiming();
    const promptlab::Tokenizer fresh = *tok;  // a copy starts with an empty cache
    state.ResumeTiming();
    for (const auto& t : texts) benchmark::DoNotOptimize(fresh.tokenize(t));
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(texts.size()));
}
BENCHMARK(BM_TokenizeColdCache)->Unit(benchmark::kMillisecond);

void BM_LoadVocab(benchmark::State& state) {
  const std::string path = bench_vocab_path();
  if (path.empty()) {
    state.SkipWithError("CLIP vocabulary not found (set PROMPTLAB_CLIP_VOCAB)");
    return;
  }
  for (auto _ : state) benchmark::DoNotOptimize(promptlab::Tokenizer::from_file(path).vocab_size());
}
BENCHMARK(BM_LoadVocab)->Unit(benchmark::kMillisecond);

void BM_LearnMerges(benchmark::State& state) {
  const auto& texts = captions();
  for (auto _ : state)
    benchmark::DoNotOptimize(promptlab::learn_bpe_merges(texts, static_cast<std::size_t>(state.range(0))));
}
BENCHMARK(BM_LearnMerges)->Arg(500)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();

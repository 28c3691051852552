#pragma once
// SDK: the initial context vectors of a prompt learner (docs/protocol.md §3).
#include "promptlab/export.hpp"
#include <torch/torch.h>

#include <cstdint>
#include <string>

#include "promptlab/prompt/coop_options.hpp"
#include "promptlab/clip_model.hpp"
#include "promptlab/tokenizer.hpp"

namespace promptlab {

/// Initial context and the words standing in for it in the prompt text.
struct InitialContext {
  torch::Tensor vectors;  // [n_ctx, width] in the model's embedding dtype
  std::string prefix;     // init words, or "X X ... X"
  std::int64_t n_ctx = 0;
};

/// With init text: n_ctx = its word count, vectors = embeddings of tokens 1..n_ctx of the
/// tokenized text. Without: n_ctx from the options, vectors ~ N(0, 0.02^2) drawn from a
/// generator seeded with options.seed, placeholder words "X".
PROMPTLAB_API InitialContext initial_context(ClipModel& clip, const Tokenizer& tokenizer, const CoopOptions& options,
                               const torch::Device& device);

/// A CPU generator seeded deterministically (for plugin-side initialisation).
PROMPTLAB_API torch::Generator seeded_generator(std::uint64_t seed);

}  // namespace promptlab

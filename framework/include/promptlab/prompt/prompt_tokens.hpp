#pragma once
// SDK: tokenized class prompts "<prefix> <class name>." and their assembly with learned
// context vectors: [SOS, ctx, class tokens, ".", EOT, padding] (docs/protocol.md §3).
#include "promptlab/export.hpp"
#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

#include "promptlab/prompt/coop_options.hpp"
#include "promptlab/clip_model.hpp"
#include "promptlab/tokenizer.hpp"

namespace promptlab {

/// The frozen token side of a class list's prompts.
struct PromptTokens {
  torch::Tensor ids;                       // [n_cls, L] int64
  torch::Tensor embeddings;                // [n_cls, L, width], token embeddings (no grad)
  torch::Tensor eot;                       // [n_cls] int64, argmax of ids
  std::vector<std::int64_t> name_lengths;  // tokens of each class name
  std::int64_t n_ctx = 0;                  // context slots after SOS
};

/// Class name as it appears in a prompt ("_" becomes a space).
PROMPTLAB_API std::string prompt_classname(const std::string& classname);

/// Tokenizes "<prefix> <name>." for every class to the model's context length.
PROMPTLAB_API PromptTokens tokenize_prompts(ClipModel& clip, const Tokenizer& tokenizer, const std::string& prefix,
                              std::int64_t n_ctx, const std::vector<std::string>& classnames,
                              const torch::Device& device);

/// Builds prompt embeddings from context vectors ctx [..., n_cls, n_ctx, width] (any
/// leading batch dims) with the class tokens at `position`: [..., n_cls, L, width], in the
/// token embeddings' dtype (ctx is cast to it).
PROMPTLAB_API torch::Tensor assemble_prompts(const torch::Tensor& ctx, const PromptTokens& tokens, ClassTokenPosition position);

/// Text features [G * n_cls, embed] of every class's prompt under each of G contexts ctx
/// [G, n_ctx, width], with the class tokens at the end; row g * n_cls + i is context g, class i.
/// Equal, up to float rounding, to encode_text_embeddings(assemble_prompts(ctx repeated per class,
/// tokens, kEnd)), but the [SOS, ctx] rows are computed once per context
/// (ClipModel::encode_text_shared_prefix).
PROMPTLAB_API torch::Tensor encode_context_prompts(ClipModel& clip, const torch::Tensor& ctx, const PromptTokens& tokens);

}  // namespace promptlab

#pragma once
// Recomputation for the text encoder: a pass over many sequences that keeps no activations for
// its backward, and re-runs itself a chunk of sequences at a time when the gradient is asked for.
// Its peak memory is one chunk's activations instead of all sequences'; it costs one more forward
// pass (docs/speed.md, "Memory").
#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <vector>

namespace promptlab {

/// One text-encoder pass: features [N, E] of embeddings [N, L, W], EOT positions [N] and deep
/// prompts laid out as ClipModel::encode_text_embeddings_prompted takes them (entry i for layer i,
/// undefined where a layer has none; each [n, W], shared by every sequence, or [N, n, W]).
using TextPass = std::function<torch::Tensor(const torch::Tensor& embeddings, const torch::Tensor& eot,
                                             const std::vector<torch::Tensor>& deep_prompts)>;

/// pass(embeddings, eot, deep_prompts), computed `chunk` sequences at a time without a graph, with
/// a backward that re-runs each chunk with one and back-propagates into it: the gradients of the
/// embeddings and of every prompt, per-sequence ones by chunk and shared ones summed over chunks.
/// The result equals the one-pass result to float rounding. A backward that builds a graph
/// (create_graph, for Hessian-vector products) keeps every chunk's graph: correct, but no smaller.
torch::Tensor recomputed_text_pass(const TextPass& pass, const torch::Tensor& embeddings, const torch::Tensor& eot,
                                   const std::vector<torch::Tensor>& deep_prompts, std::int64_t chunk);

}  // namespace promptlab

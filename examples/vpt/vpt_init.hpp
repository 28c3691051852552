#pragma once
// VPT's prompt initialisation (Jia et al., "Visual Prompt Tuning", ECCV 2022): uniform in
// [-b, b] with b = sqrt(6 / (3 * patch^2 + width)), Xavier's bound for the patch embedding.
#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace vpt {

/// sqrt(6 / (3 * patch * patch + width)).
double init_bound(std::int64_t patch, std::int64_t width);

/// [depth, n_tokens, width] drawn uniformly in [-bound, bound] from `generator`.
torch::Tensor initial_prompts(std::int64_t depth, std::int64_t n_tokens, std::int64_t patch, std::int64_t width,
                              torch::Generator generator);

/// One [n_tokens, width] tensor per prompted layer (views of `prompts`), as encode_image_prompted takes them.
std::vector<torch::Tensor> per_layer(const torch::Tensor& prompts);

/// Language prompts of layers 1.. ([depth - 1, n, width]) as encode_text_embeddings_prompted takes
/// them: an undefined entry for layer 0 (whose prompts are the learner's context), then one per layer.
std::vector<torch::Tensor> language_layers(const torch::Tensor& prompts);

}  // namespace vpt

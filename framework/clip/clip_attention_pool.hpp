#pragma once
// The attention pool that ends OpenAI's ResNet image tower: the mean of the feature map
// attends over all grid positions, then a projection to the embedding.
#include <torch/torch.h>

#include <cstdint>
#include <string>

namespace promptlab {

/// Weights of `attnpool`: positional_embedding [grid*grid+1, C], q/k/v_proj (C -> C) and
/// c_proj (C -> embed), each with a bias.
struct AttentionPoolWeights {
  torch::Tensor positional_embedding;
  torch::Tensor q_weight, q_bias, k_weight, k_bias, v_weight, v_bias;
  torch::Tensor c_weight, c_bias;
};

/// Registers `<name>.*` on `parent` for a grid x grid map of `width` channels (uninitialised).
AttentionPoolWeights register_attention_pool(torch::nn::Module& parent, const std::string& name,
                                             std::int64_t grid, std::int64_t width, std::int64_t embed);
/// CLIP's initialisation: normal weights of std width^-0.5, zero biases.
void init_attention_pool(AttentionPoolWeights& w);

/// Pools a feature map [B, C, H, W] (H*W = grid*grid) into [B, embed]: only the mean token
/// queries, over the mean token and every position as keys and values.
torch::Tensor run_attention_pool(const torch::Tensor& x, const AttentionPoolWeights& w, std::int64_t heads);

}  // namespace promptlab

#pragma once
// CLIP's residual attention transformer as plain tensor functions over weights that
// are registered on torch::nn::Module trees under OpenAI's key names.
#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

namespace promptlab {

/// LayerNorm parameters (always fp32).
struct LayerNormWeights {
  torch::Tensor weight;
  torch::Tensor bias;
};

/// One pre-LN residual attention block: ln_1, attn (packed in_proj), ln_2, mlp.
struct BlockWeights {
  LayerNormWeights ln_1;
  LayerNormWeights ln_2;
  torch::Tensor in_proj_weight, in_proj_bias;
  torch::Tensor out_proj_weight, out_proj_bias;
  torch::Tensor fc_weight, fc_bias;
  torch::Tensor proj_weight, proj_bias;
};

/// Registers an empty child module `name` on `parent` and returns it.
std::shared_ptr<torch::nn::Module> add_child_module(torch::nn::Module& parent, const std::string& name);
/// Registers `ln.weight` (ones) and `ln.bias` (zeros) of size `width` under child `name`.
LayerNormWeights register_layer_norm(torch::nn::Module& parent, const std::string& name,
                                     std::int64_t width);
/// Registers `<name>.resblocks.N.*` for `layers` blocks of `width` (uninitialised).
std::vector<BlockWeights> register_transformer(torch::nn::Module& parent, const std::string& name,
                                               std::int64_t width, std::int64_t layers);
/// CLIP's initialisation of a transformer's blocks (normal weights, zero biases).
void init_transformer(std::vector<BlockWeights>& blocks, std::int64_t width);

/// LayerNorm (eps 1e-5) computed in fp32, returned in x's dtype.
torch::Tensor layer_norm_fp32(const torch::Tensor& x, const LayerNormWeights& ln);

/// Runs the blocks over x [batch*len, width] (row-major sequences). `mask` is an
/// additive [len, len] mask or undefined. Returns [batch*len, width].
torch::Tensor run_transformer(torch::Tensor x, std::int64_t batch, std::int64_t len,
                              std::int64_t heads, const std::vector<BlockWeights>& blocks,
                              const torch::Tensor& mask);

}  // namespace promptlab

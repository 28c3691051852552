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

/// An additive causal mask [rows, cols] for the last `rows` of `cols` positions: -inf where a
/// column comes after its row's position.
torch::Tensor causal_mask(std::int64_t rows, std::int64_t cols, const torch::TensorOptions& options);

/// Rows of sequences whose first `prefix_len` tokens are the same within each of `groups` groups of
/// `sequences / groups` consecutive sequences: each group's prefix rows once ([groups * prefix_len]),
/// then every sequence's remaining `suffix_len` rows ([sequences * suffix_len]).
struct SharedPrefixLayout {
  std::int64_t groups = 0, prefix_len = 0, sequences = 0, suffix_len = 0;
  torch::Tensor prefix_mask;  // causal_mask(prefix_len, prefix_len)
  torch::Tensor suffix_mask;  // causal_mask(suffix_len, prefix_len + suffix_len)
};

/// run_transformer under a causal mask over rows in SharedPrefixLayout: the same outputs as running
/// every sequence whole (up to float rounding), with each group's prefix computed once.
torch::Tensor run_transformer_shared_prefix(torch::Tensor x, const SharedPrefixLayout& layout, std::int64_t heads,
                                            const std::vector<BlockWeights>& blocks);

}  // namespace promptlab

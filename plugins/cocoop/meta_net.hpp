#pragma once
// CoCoOp's meta-net: Linear(embed, embed/16) -> ReLU -> Linear(embed/16, width).
#include <torch/torch.h>

#include <cstdint>

namespace promptlab {

/// Maps an L2-normalised image feature to a shift added to every context vector.
class MetaNetImpl : public torch::nn::Module {
 public:
  /// Weights and biases ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)) from a generator seeded with `seed`.
  MetaNetImpl(std::int64_t embed_dim, std::int64_t width, std::uint64_t seed);
  /// [B, embed] -> [B, width].
  torch::Tensor forward(const torch::Tensor& normalized_features);

 private:
  torch::nn::Linear linear1_{nullptr};
  torch::nn::Linear linear2_{nullptr};
};
TORCH_MODULE(MetaNet);

}  // namespace promptlab

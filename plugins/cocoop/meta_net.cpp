#include "cocoop/meta_net.hpp"

#include <algorithm>
#include <cmath>

#include "promptlab/prompt/context_init.hpp"

namespace promptlab {

namespace {

void init_uniform(torch::nn::Linear& layer, torch::Generator& gen) {
  torch::NoGradGuard no_grad;
  const double bound = 1.0 / std::sqrt(static_cast<double>(layer->weight.size(1)));
  layer->weight.uniform_(-bound, bound, gen);
  layer->bias.uniform_(-bound, bound, gen);
}

}  // namespace

MetaNetImpl::MetaNetImpl(std::int64_t embed_dim, std::int64_t width, std::uint64_t seed) {
  const std::int64_t hidden = std::max<std::int64_t>(1, embed_dim / 16);
  linear1_ = register_module("linear1", torch::nn::Linear(embed_dim, hidden));
  linear2_ = register_module("linear2", torch::nn::Linear(hidden, width));
  torch::Generator gen = seeded_generator(seed);
  init_uniform(linear1_, gen);
  init_uniform(linear2_, gen);
}

torch::Tensor MetaNetImpl::forward(const torch::Tensor& normalized_features) {
  return linear2_(torch::relu(linear1_(normalized_features)));
}

}  // namespace promptlab

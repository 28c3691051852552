// ResNet CLIP's attention pool on raw tensors, batch-first, one query per image.
#include "clip/clip_attention_pool.hpp"

#include <cmath>
#include <stdexcept>

#include "clip/clip_transformer.hpp"

namespace promptlab {
namespace {

// Registers `<name>.weight` [out, in] and `<name>.bias` [out] under `parent`.
std::pair<torch::Tensor, torch::Tensor> register_linear(torch::nn::Module& parent, const std::string& name,
                                                        std::int64_t in, std::int64_t out) {
  auto linear = add_child_module(parent, name);
  // Copy each handle before the next registration can move the table it points into.
  torch::Tensor weight = linear->register_parameter("weight", torch::empty({out, in}));
  torch::Tensor bias = linear->register_parameter("bias", torch::empty({out}));
  return {weight, bias};
}

}  // namespace

AttentionPoolWeights register_attention_pool(torch::nn::Module& parent, const std::string& name,
                                             std::int64_t grid, std::int64_t width, std::int64_t embed) {
  auto pool = add_child_module(parent, name);
  AttentionPoolWeights w;
  w.positional_embedding = pool->register_parameter("positional_embedding", torch::empty({grid * grid + 1, width}));
  std::tie(w.k_weight, w.k_bias) = register_linear(*pool, "k_proj", width, width);
  std::tie(w.q_weight, w.q_bias) = register_linear(*pool, "q_proj", width, width);
  std::tie(w.v_weight, w.v_bias) = register_linear(*pool, "v_proj", width, width);
  std::tie(w.c_weight, w.c_bias) = register_linear(*pool, "c_proj", width, embed);
  return w;
}

void init_attention_pool(AttentionPoolWeights& w) {
  torch::NoGradGuard no_grad;
  const double std = std::pow(static_cast<double>(w.q_weight.size(1)), -0.5);
  w.positional_embedding.normal_(0.0, std);
  for (auto* weight : {&w.q_weight, &w.k_weight, &w.v_weight, &w.c_weight}) weight->normal_(0.0, std);
  for (auto* bias : {&w.q_bias, &w.k_bias, &w.v_bias, &w.c_bias}) bias->zero_();
}

torch::Tensor run_attention_pool(const torch::Tensor& x, const AttentionPoolWeights& w, std::int64_t heads) {
  const std::int64_t batch = x.size(0);
  const std::int64_t width = x.size(1);
  const std::int64_t tokens = x.size(2) * x.size(3) + 1;
  if (tokens != w.positional_embedding.size(0) || width != w.positional_embedding.size(1)) {
    throw std::invalid_argument("attention pool: feature map " + c10::str(x.sizes()) +
                                " does not fit the positional embedding " +
                                c10::str(w.positional_embedding.sizes()));
  }
  const std::int64_t head_dim = width / heads;
  torch::Tensor seq = x.flatten(2).transpose(1, 2);                            // [B, HW, C]
  seq = torch::cat({seq.mean(1, /*keepdim=*/true), seq}, 1);                  // [B, HW+1, C]
  seq = seq + w.positional_embedding.to(seq.scalar_type());
  // Query: the mean token only. Keys and values: every token.
  torch::Tensor q = torch::linear(seq.select(1, 0), w.q_weight, w.q_bias)    // [B, C]
                        .view({batch * heads, 1, head_dim});
  const auto per_head = [&](const torch::Tensor& t) {                         // [B, L, C] -> [B*H, L, hd]
    return t.view({batch, tokens, heads, head_dim}).transpose(1, 2).reshape({batch * heads, tokens, head_dim});
  };
  torch::Tensor k = per_head(torch::linear(seq, w.k_weight, w.k_bias));
  torch::Tensor v = per_head(torch::linear(seq, w.v_weight, w.v_bias));
  torch::Tensor scores = torch::bmm(q, k.transpose(1, 2)).mul_(1.0 / std::sqrt(static_cast<double>(head_dim)));
  torch::Tensor pooled = torch::bmm(at::_softmax(scores, -1, false), v).view({batch, width});  // [B*H,1,hd] -> [B,C]
  return torch::linear(pooled, w.c_weight, w.c_bias);
}

}  // namespace promptlab

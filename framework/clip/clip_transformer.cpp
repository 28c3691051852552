// CLIP transformer blocks on raw tensors: batch-first rows, packed q/k/v, fp32 LayerNorm.
#include "clip/clip_transformer.hpp"

#include <cmath>
#include <limits>

namespace promptlab {
namespace {

constexpr double kLayerNormEps = 1e-5;

torch::Tensor add_param(torch::nn::Module& module, const std::string& name,
                        std::vector<std::int64_t> shape) {
  return module.register_parameter(name, torch::empty(shape));
}

// QuickGELU: x * sigmoid(1.702 x); in place when no gradient flows through x.
torch::Tensor quick_gelu(torch::Tensor x) {
  if (x.requires_grad()) return x * torch::sigmoid(x * 1.702);
  torch::Tensor gate = x.mul(1.702);
  gate.sigmoid_();
  return x.mul_(gate);
}

// softmax(q k^T * scale + mask) v over [batch*heads, rows, head_dim] heads; mask is additive
// [q rows, k rows] or undefined.
torch::Tensor attend(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v, const torch::Tensor& mask) {
  const double scale = 1.0 / std::sqrt(static_cast<double>(q.size(-1)));
  torch::Tensor scores;
  if (mask.defined()) {
    scores = torch::baddbmm(mask, q, k.transpose(1, 2), /*beta=*/1.0, /*alpha=*/scale);
  } else {
    scores = torch::bmm(q, k.transpose(1, 2));
    scores.mul_(scale);
  }
  return torch::bmm(at::_softmax(scores, -1, false), v);
}

// Rows [batch*len, 3d] of packed q/k/v -> [3, batch, heads, len, head_dim], one copy; q, k and v
// are then contiguous slices.
torch::Tensor split_heads(const torch::Tensor& qkv, std::int64_t batch, std::int64_t len, std::int64_t heads) {
  const std::int64_t head_dim = qkv.size(1) / 3 / heads;
  return qkv.view({batch, len, 3, heads, head_dim}).permute({2, 0, 3, 1, 4}).contiguous();
}

// [batch*heads, len, head_dim] -> [batch*len, width]: the heads' outputs concatenated per row.
torch::Tensor merge_heads(const torch::Tensor& out, std::int64_t batch, std::int64_t len, std::int64_t heads) {
  const std::int64_t head_dim = out.size(-1);
  return out.view({batch, heads, len, head_dim}).permute({0, 2, 1, 3}).reshape({batch * len, heads * head_dim});
}

torch::Tensor project_qkv(const torch::Tensor& h, const BlockWeights& w) {
  return torch::addmm(w.in_proj_bias, h, w.in_proj_weight.t());
}

// Multi-head self-attention of h [B*L, d]; returns the heads' concatenated output
// [B*L, d] before out_proj.
torch::Tensor self_attention(const torch::Tensor& h, std::int64_t batch, std::int64_t len,
                             std::int64_t heads, const BlockWeights& w, const torch::Tensor& mask) {
  const torch::Tensor qkv = split_heads(project_qkv(h, w), batch, len, heads);
  const std::int64_t head_dim = qkv.size(-1);
  const auto flat = [&](std::int64_t i) { return qkv[i].view({batch * heads, len, head_dim}); };
  return merge_heads(attend(flat(0), flat(1), flat(2), mask), batch, len, heads);
}

// Self-attention over rows [groups*P prefix rows; sequences*S suffix rows] (SharedPrefixLayout):
// the prefix rows attend among themselves; each suffix row attends to its group's prefix and to
// its own sequence's earlier suffix rows.
torch::Tensor shared_prefix_attention(const torch::Tensor& h, const SharedPrefixLayout& s, std::int64_t heads,
                                      const BlockWeights& w) {
  const torch::Tensor qkv = project_qkv(h, w);
  const std::int64_t prefix_rows = s.groups * s.prefix_len;
  const torch::Tensor pre = split_heads(qkv.narrow(0, 0, prefix_rows), s.groups, s.prefix_len, heads);
  const torch::Tensor suf = split_heads(qkv.narrow(0, prefix_rows, qkv.size(0) - prefix_rows), s.sequences,
                                        s.suffix_len, heads);
  const std::int64_t head_dim = qkv.size(1) / 3 / heads;
  const auto flat = [&](const torch::Tensor& t, std::int64_t n, std::int64_t len) {
    return t.reshape({n * heads, len, head_dim});
  };
  const torch::Tensor out_pre = attend(flat(pre[0], s.groups, s.prefix_len), flat(pre[1], s.groups, s.prefix_len),
                                       flat(pre[2], s.groups, s.prefix_len), s.prefix_mask);
  // Each group's prefix keys and values, repeated for its sequences, then the sequence's own.
  const std::int64_t per_group = s.sequences / s.groups;
  const torch::Tensor kv_pre = pre.narrow(0, 1, 2)
                                   .unsqueeze(2)
                                   .expand({2, s.groups, per_group, heads, s.prefix_len, head_dim})
                                   .reshape({2, s.sequences, heads, s.prefix_len, head_dim});
  const torch::Tensor kv = torch::cat({kv_pre, suf.narrow(0, 1, 2)}, 3);
  const std::int64_t keys = s.prefix_len + s.suffix_len;
  const torch::Tensor out_suf = attend(flat(suf[0], s.sequences, s.suffix_len), flat(kv[0], s.sequences, keys),
                                       flat(kv[1], s.sequences, keys), s.suffix_mask);
  return torch::cat({merge_heads(out_pre, s.groups, s.prefix_len, heads),
                     merge_heads(out_suf, s.sequences, s.suffix_len, heads)},
                    0);
}

// x + linear(a): the residual rides in addmm's input, the bias is added in place.
torch::Tensor residual_linear(const torch::Tensor& x, const torch::Tensor& a,
                              const torch::Tensor& weight, const torch::Tensor& bias) {
  torch::Tensor out = torch::addmm(x, a, weight.t());
  out.add_(bias);
  return out;
}

// The pre-LN block around an attention function of ln_1(x).
template <typename Attention>
torch::Tensor residual_block(const torch::Tensor& x, const BlockWeights& w, const Attention& attention) {
  torch::Tensor attn = attention(layer_norm_fp32(x, w.ln_1));
  torch::Tensor mid = residual_linear(x, attn, w.out_proj_weight, w.out_proj_bias);
  torch::Tensor hidden = quick_gelu(torch::addmm(w.fc_bias, layer_norm_fp32(mid, w.ln_2), w.fc_weight.t()));
  return residual_linear(mid, hidden, w.proj_weight, w.proj_bias);
}

}  // namespace

std::shared_ptr<torch::nn::Module> add_child_module(torch::nn::Module& parent, const std::string& name) {
  return parent.register_module(name, std::make_shared<torch::nn::Module>());
}

LayerNormWeights register_layer_norm(torch::nn::Module& parent, const std::string& name,
                                     std::int64_t width) {
  auto ln = add_child_module(parent, name);
  // register_parameter returns a reference into the module's table, which the next registration
  // may move: copy each handle before registering the next (found by AddressSanitizer).
  torch::Tensor weight = ln->register_parameter("weight", torch::ones({width}));
  torch::Tensor bias = ln->register_parameter("bias", torch::zeros({width}));
  return {weight, bias};
}

std::vector<BlockWeights> register_transformer(torch::nn::Module& parent, const std::string& name,
                                               std::int64_t width, std::int64_t layers) {
  auto transformer = add_child_module(parent, name);
  auto resblocks = add_child_module(*transformer, "resblocks");
  std::vector<BlockWeights> blocks;
  blocks.reserve(static_cast<std::size_t>(layers));
  for (std::int64_t i = 0; i < layers; ++i) {
    auto block = add_child_module(*resblocks, std::to_string(i));
    BlockWeights w;
    auto attn = add_child_module(*block, "attn");
    w.in_proj_weight = add_param(*attn, "in_proj_weight", {3 * width, width});
    w.in_proj_bias = add_param(*attn, "in_proj_bias", {3 * width});
    auto out_proj = add_child_module(*attn, "out_proj");
    w.out_proj_weight = add_param(*out_proj, "weight", {width, width});
    w.out_proj_bias = add_param(*out_proj, "bias", {width});
    w.ln_1 = register_layer_norm(*block, "ln_1", width);
    auto mlp = add_child_module(*block, "mlp");
    auto c_fc = add_child_module(*mlp, "c_fc");
    w.fc_weight = add_param(*c_fc, "weight", {4 * width, width});
    w.fc_bias = add_param(*c_fc, "bias", {4 * width});
    auto c_proj = add_child_module(*mlp, "c_proj");
    w.proj_weight = add_param(*c_proj, "weight", {width, 4 * width});
    w.proj_bias = add_param(*c_proj, "bias", {width});
    w.ln_2 = register_layer_norm(*block, "ln_2", width);
    blocks.push_back(std::move(w));
  }
  return blocks;
}

void init_transformer(std::vector<BlockWeights>& blocks, std::int64_t width) {
  torch::NoGradGuard no_grad;
  const double w = static_cast<double>(width);
  const double attn_std = std::pow(w, -0.5);
  const double proj_std = attn_std * std::pow(2.0 * static_cast<double>(blocks.size()), -0.5);
  const double fc_std = std::pow(2.0 * w, -0.5);
  for (auto& b : blocks) {
    b.in_proj_weight.normal_(0.0, attn_std);
    b.out_proj_weight.normal_(0.0, proj_std);
    b.fc_weight.normal_(0.0, fc_std);
    b.proj_weight.normal_(0.0, proj_std);
    for (auto* bias : {&b.in_proj_bias, &b.out_proj_bias, &b.fc_bias, &b.proj_bias}) bias->zero_();
  }
}

torch::Tensor layer_norm_fp32(const torch::Tensor& x, const LayerNormWeights& ln) {
  const std::int64_t width = x.size(-1);
  if (x.scalar_type() == torch::kFloat) {
    return torch::layer_norm(x, {width}, ln.weight, ln.bias, kLayerNormEps);
  }
  return torch::layer_norm(x.to(torch::kFloat), {width}, ln.weight, ln.bias, kLayerNormEps)
      .to(x.scalar_type());
}

torch::Tensor run_transformer(torch::Tensor x, std::int64_t batch, std::int64_t len,
                              std::int64_t heads, const std::vector<BlockWeights>& blocks,
                              const torch::Tensor& mask) {
  for (const auto& w : blocks) {
    x = residual_block(x, w, [&](const torch::Tensor& h) { return self_attention(h, batch, len, heads, w, mask); });
  }
  return x;
}

torch::Tensor causal_mask(std::int64_t rows, std::int64_t cols, const torch::TensorOptions& options) {
  return torch::full({rows, cols}, -std::numeric_limits<float>::infinity(), options).triu_(cols - rows + 1);
}

torch::Tensor run_transformer_shared_prefix(torch::Tensor x, const SharedPrefixLayout& layout, std::int64_t heads,
                                            const std::vector<BlockWeights>& blocks) {
  for (const auto& w : blocks) {
    x = residual_block(x, w, [&](const torch::Tensor& h) { return shared_prefix_attention(h, layout, heads, w); });
  }
  return x;
}

}  // namespace promptlab

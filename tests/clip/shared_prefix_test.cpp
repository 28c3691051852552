// ClipModel::encode_text_shared_prefix: sequences whose first tokens are shared by groups, encoded
// with each group's prefix computed once, equal the whole sequences encoded one by one.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <functional>
#include <set>
#include <string>

#include "promptlab/clip_model.hpp"

namespace promptlab {
namespace {

// Two text layers of width 128 (two heads), 16 tokens, random weights.
ClipModel shared_prefix_model() {
  torch::manual_seed(11);
  ClipConfig c;
  c.embed_dim = 32;
  c.image_resolution = 8;
  c.vision_patch = 4;
  c.vision_width = 64;
  c.vision_layers = 1;
  c.text_width = 128;
  c.text_layers = 2;
  c.context_length = 16;
  ClipModel model(c);
  model->eval();
  for (auto& p : model->parameters()) p.set_requires_grad(false);
  return model;
}

// Attention products in the autograd graph: one per layer for whole sequences, two (prefix rows
// and suffix rows) when the prefix is shared.
int attention_nodes(const torch::Tensor& out) {
  std::set<const torch::autograd::Node*> seen;
  int count = 0;
  std::function<void(const std::shared_ptr<torch::autograd::Node>&)> visit = [&](const auto& node) {
    if (!node || !seen.insert(node.get()).second) return;
    if (node->name() == "BaddbmmBackward0") ++count;
    for (const auto& edge : node->next_edges()) visit(edge.function);
  };
  visit(out.grad_fn());
  return count;
}

struct SharedPrefixPass {
  torch::Tensor features, prefix_grad, suffix_grad;
  int attention = 0;
};

TEST(ClipSharedPrefix, EqualsTheWholeSequencesWithTheirGradients) {
  ClipModel model = shared_prefix_model();
  const std::int64_t width = 128, groups = 2, per_group = 3, n = groups * per_group, prefix_len = 3, suffix_len = 6;
  const std::int64_t embed = model->config().embed_dim;
  const torch::Tensor prefix0 = 0.5 * torch::randn({groups, prefix_len, width});
  const torch::Tensor suffix0 = 0.5 * torch::randn({n, suffix_len, width});
  const torch::Tensor eot = torch::tensor({3, 5, 7, 4, 6, 7}, torch::kLong);  // within positions 3..8
  const torch::Tensor weights = torch::randn({n, embed});
  const auto run = [&](bool shared) {
    SharedPrefixPass p;
    const torch::Tensor prefix = prefix0.clone().requires_grad_(true), suffix = suffix0.clone().requires_grad_(true);
    if (shared) {
      p.features = model->encode_text_shared_prefix(prefix, suffix, eot);
    } else {
      const torch::Tensor repeated =
          prefix.unsqueeze(1).expand({groups, per_group, prefix_len, width}).reshape({n, prefix_len, width});
      p.features = model->encode_text_embeddings(torch::cat({repeated, suffix}, 1), eot);
    }
    p.attention = attention_nodes(p.features);
    (p.features * weights).sum().backward();
    p.prefix_grad = prefix.grad();
    p.suffix_grad = suffix.grad();
    return p;
  };
  const auto relative = [](const torch::Tensor& a, const torch::Tensor& b) {
    return (a - b).abs().max().item<double>() / b.abs().max().item<double>();
  };
  for (bool truncate : {true, false}) {
    model->set_truncate_text(truncate);
    const std::string what = truncate ? "truncated" : "77 tokens";
    const SharedPrefixPass whole = run(false), shared = run(true);
    EXPECT_EQ(whole.attention, 2) << what;
    EXPECT_EQ(shared.attention, 4) << what << ": the prefix rows are attended separately";
    EXPECT_LE(relative(shared.features, whole.features), 1e-5) << what;
    EXPECT_LE(relative(shared.prefix_grad, whole.prefix_grad), 1e-5) << what;
    EXPECT_LE(relative(shared.suffix_grad, whole.suffix_grad), 1e-5) << what;
    EXPECT_GT(whole.prefix_grad.abs().min().item<double>(), 0.0) << what;
  }
  // Off, it encodes the whole sequences: the same computation.
  model->set_share_text_prefix(false);
  const SharedPrefixPass off = run(true), whole = run(false);
  EXPECT_EQ(off.attention, 2);
  EXPECT_TRUE(torch::equal(off.features, whole.features));
  EXPECT_TRUE(torch::equal(off.prefix_grad, whole.prefix_grad));
}

TEST(ClipSharedPrefix, BadShapesAndEotsAreRefused) {
  ClipModel model = shared_prefix_model();
  const torch::Tensor prefix = torch::zeros({2, 3, 128});
  const auto message = [&](const torch::Tensor& pre, const torch::Tensor& suf, const torch::Tensor& eot) {
    try {
      model->encode_text_shared_prefix(pre, suf, eot);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  // Five sequences do not split into two groups.
  EXPECT_NE(message(prefix, torch::zeros({5, 4, 128}), torch::full({5}, 4, torch::kLong)).find("multiple of G"),
            std::string::npos);
  // An EOT inside the prefix, or past the suffix.
  EXPECT_NE(message(prefix, torch::zeros({4, 4, 128}), torch::tensor({3, 2, 4, 4})).find("EOT positions 2..4"),
            std::string::npos);
  EXPECT_NE(message(prefix, torch::zeros({4, 4, 128}), torch::tensor({3, 7, 4, 4})).find("positions 3..6"),
            std::string::npos);
  // Longer than the context.
  EXPECT_NE(message(prefix, torch::zeros({4, 14, 128}), torch::full({4}, 4, torch::kLong)).find("L <= 16"),
            std::string::npos);
  EXPECT_NE(message(prefix, torch::zeros({4, 4, 64}), torch::full({4}, 4, torch::kLong)).find("128"),
            std::string::npos);
}

}  // namespace
}  // namespace promptlab

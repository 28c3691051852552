#pragma once
// CoCoOp (Zhou et al., CVPR 2022): CoOp's context shifted per image by a meta-net of the
// image feature (docs/protocol.md §4). All B x n_cls prompts go through the text encoder
// in one batched call.
#include <torch/torch.h>

#include <string>
#include <vector>

#include "cocoop/meta_net.hpp"
#include "promptlab/prompt/coop_options.hpp"
#include "promptlab/prompt/prompt_tokens.hpp"
#include "promptlab/learner.hpp"

namespace promptlab {

/// The CoCoOp prompt learner. Trainable: ctx [n_ctx, width] and the meta-net.
class CocoopLearner : public Learner {
 public:
  explicit CocoopLearner(const LearnerContext& context);

  /// Logits [B, n_cls]: one batched text-encoder call over B x n_cls prompts.
  torch::Tensor logits(const torch::Tensor& image_features) override;
  void set_classnames(const std::vector<std::string>& classnames) override;
  std::vector<torch::Tensor> trainable_parameters() override;

  /// The reference formulation (one text-encoder call per image); same result as logits().
  torch::Tensor logits_per_image_loop(const torch::Tensor& image_features);
  const torch::Tensor& context() const { return ctx_; }
  MetaNet& meta_net() { return meta_net_; }
  const PromptTokens& tokens() const { return tokens_; }

 private:
  torch::Tensor normalized(const torch::Tensor& image_features) const;
  ClipModel clip_;
  const Tokenizer* tokenizer_;
  CoopOptions options_;
  torch::Device device_;
  std::string prefix_;
  torch::Tensor ctx_;
  MetaNet meta_net_{nullptr};
  PromptTokens tokens_;
};

}  // namespace promptlab

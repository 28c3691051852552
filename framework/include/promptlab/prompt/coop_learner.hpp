#pragma once
// SDK: CoOp (Zhou et al., IJCV 2022): learned context vectors in front of (or around) the
// class-name tokens of every prompt; CLIP stays frozen (docs/protocol.md §3).
#include "promptlab/export.hpp"
#include <torch/torch.h>

#include <string>
#include <vector>

#include "promptlab/prompt/coop_options.hpp"
#include "promptlab/prompt/prompt_tokens.hpp"
#include "promptlab/learner.hpp"

namespace promptlab {

/// The CoOp prompt learner. Trainable: ctx [n_ctx, width] or, with CSC, [n_cls, n_ctx, width].
class PROMPTLAB_API CoopLearner : public Learner {
 public:
  /// Initialises ctx from coop.init (or randomly) and tokenizes the prompts of ctx.classnames.
  explicit CoopLearner(const LearnerContext& context);

  torch::Tensor logits(const torch::Tensor& image_features) override;
  /// Rebuilds the token buffers for the new classes; ctx is kept (CSC needs the same class count).
  void set_classnames(const std::vector<std::string>& classnames) override;
  std::vector<torch::Tensor> trainable_parameters() override { return {ctx_}; }
  /// The nearest vocabulary token of each context vector, by cosine to the token embeddings.
  std::string describe() const override;

  /// Prompt embeddings [n_cls, L, width] (ctx inserted).
  torch::Tensor prompt_embeddings() const;
  /// L2-normalised text features [n_cls, embed] of the current prompts.
  torch::Tensor text_features();
  const torch::Tensor& context() const { return ctx_; }
  const PromptTokens& tokens() const { return tokens_; }
  const CoopOptions& options() const { return options_; }
  /// The words standing in for the context in the prompt text.
  const std::string& prompt_prefix() const { return prefix_; }

 private:
  ClipModel clip_;
  const Tokenizer* tokenizer_;
  CoopOptions options_;
  torch::Device device_;
  std::string prefix_;
  torch::Tensor ctx_;
  PromptTokens tokens_;
};

}  // namespace promptlab

#pragma once
// A linear classifier on L2-normalised image features, initialised from the zero-shot
// text weights times the logit scale. Classes it was never trained on use zero-shot weights.
#include <torch/torch.h>

#include <map>
#include <string>
#include <vector>

#include "promptlab/learner.hpp"

namespace promptlab {

/// logits = normalise(f) W^T + b with W [n_cls, embed], b [n_cls].
class LinearProbeLearner : public Learner {
 public:
  explicit LinearProbeLearner(const LearnerContext& context);
  torch::Tensor logits(const torch::Tensor& image_features) override;
  /// Rows of classes seen before keep their learned values; unseen classes get zero-shot rows.
  void set_classnames(const std::vector<std::string>& classnames) override;
  /// Uses the target's template from now on.
  void set_target(const std::vector<std::string>& classnames, const std::string& prompt_template) override;
  std::vector<torch::Tensor> trainable_parameters() override { return {weight_, bias_}; }
  const torch::Tensor& weight() const { return weight_; }
  const torch::Tensor& bias() const { return bias_; }

 private:
  void remember_rows();
  ClipModel clip_;
  const Tokenizer* tokenizer_;
  std::string template_;
  torch::Device device_;
  std::vector<std::string> classnames_;
  std::map<std::string, std::pair<torch::Tensor, torch::Tensor>> learned_;  // class -> (row, bias)
  torch::Tensor weight_;
  torch::Tensor bias_;
};

}  // namespace promptlab

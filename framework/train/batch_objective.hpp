#pragma once
// The Objective for one training batch: cross-entropy of the learner's logits
// on (image features, labels) plus the learner's extra loss terms.
#include <torch/torch.h>

#include <vector>

#include "promptlab/export.hpp"
#include "promptlab/learner.hpp"
#include "promptlab/step_rule.hpp"

namespace promptlab {

/// Objective over one batch; evaluate() zeroes grads, runs forward and backward.
class PROMPTLAB_API BatchObjective : public Objective {
 public:
  BatchObjective(Learner& learner, torch::Tensor features, torch::Tensor labels);
  const std::vector<torch::Tensor>& parameters() const override { return params_; }
  double evaluate() override;
  /// Logits of the first evaluate() (detached): the unperturbed parameters, for training accuracy.
  const torch::Tensor& first_logits() const { return first_logits_; }

 private:
  Learner& learner_;
  torch::Tensor features_;
  torch::Tensor labels_;
  std::vector<torch::Tensor> params_;
  torch::Tensor first_logits_;
};

/// The plain step rule ("sgd"): one gradient at the current parameters.
class PROMPTLAB_API PlainStepRule : public StepRule {
 public:
  StepMetrics compute_gradient(Objective& objective) override;
};

}  // namespace promptlab

#pragma once
// The Objective for one training batch: the learner's loss terms on (image features, labels),
// the framework's cross-entropy "ce", and, on request, "kl_to_zeroshot" against the zero-shot teacher.
#include <torch/torch.h>

#include <map>
#include <string>
#include <vector>

#include "promptlab/learner.hpp"
#include "promptlab/step_rule.hpp"

namespace promptlab {

/// Objective over one batch; evaluate() zeroes grads, runs forward and backward. `inputs` are
/// image features or images, whichever the learner's input() asks for.
class BatchObjective : public Objective {
 public:
  /// `teacher` may be null: "kl_to_zeroshot" is then refused with a message saying why.
  BatchObjective(Learner& learner, torch::Tensor inputs, torch::Tensor labels, ZeroShotTeacher* teacher = nullptr);
  const std::vector<torch::Tensor>& parameters() const override { return params_; }
  torch::Tensor evaluate() override;
  std::vector<TermGradient> gradients(const std::vector<std::vector<std::string>>& groups) override;
  const torch::Tensor& labels() const override { return labels_; }
  const torch::Tensor& first_logits() const override { return first_logits_; }
  /// The training loss (every term but "kl_to_zeroshot") with its graph, for measures that
  /// differentiate it themselves (sharpness); touches no .grad and records nothing.
  torch::Tensor training_loss();
  /// "loss_<term>" for every term of the first evaluation, when it had more than one ("ce" alone
  /// adds nothing to the step's "loss").
  StepMetrics term_metrics() const;

 private:
  // One forward pass: the logits, and the learner's terms plus "ce" ("kl_to_zeroshot" only when
  // `with_teacher`).
  LearnerOutput forward(bool with_teacher);
  torch::Tensor sum_of(const LossTerms& terms, const std::vector<std::string>& names) const;
  void record_first(const torch::Tensor& logits, const LossTerms& terms);

  Learner& learner_;
  torch::Tensor inputs_;
  torch::Tensor labels_;
  ZeroShotTeacher* teacher_;
  std::vector<torch::Tensor> params_;
  torch::Tensor first_logits_;
  torch::Tensor teacher_logits_;
  std::map<std::string, torch::Tensor> first_terms_;
};

/// The plain step rule ("sgd"): one gradient at the current parameters.
class PlainStepRule : public StepRule {
 public:
  StepMetrics compute_gradient(Objective& objective) override;
};

}  // namespace promptlab

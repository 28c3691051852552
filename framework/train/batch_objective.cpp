#include "train/batch_objective.hpp"

namespace promptlab {

BatchObjective::BatchObjective(Learner& learner, torch::Tensor features, torch::Tensor labels)
    : learner_(learner), features_(std::move(features)), labels_(std::move(labels)),
      params_(learner.trainable_parameters()) {}

double BatchObjective::evaluate() {
  for (auto& p : params_) {
    if (p.grad().defined()) p.grad().zero_();
  }
  torch::Tensor logits = learner_.logits(features_);
  torch::Tensor loss = torch::nn::functional::cross_entropy(logits, labels_);
  torch::Tensor extra = learner_.extra_loss();
  if (extra.defined()) loss = loss + extra;
  loss.backward();
  if (!first_logits_.defined()) first_logits_ = logits.detach();
  return loss.item<double>();
}

StepMetrics PlainStepRule::compute_gradient(Objective& objective) {
  return {{"loss", objective.evaluate()}};
}

}  // namespace promptlab

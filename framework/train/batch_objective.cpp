#include "train/batch_objective.hpp"

#include <stdexcept>

namespace promptlab {

BatchObjective::BatchObjective(Learner& learner, torch::Tensor inputs, torch::Tensor labels,
                               ZeroShotTeacher* teacher)
    : learner_(learner), inputs_(std::move(inputs)), labels_(std::move(labels)), teacher_(teacher),
      params_(learner.trainable_parameters()) {}

LearnerOutput BatchObjective::forward(bool with_teacher) {
  const bool images = learner_.input() == LearnerInput::kImages;
  LearnerOutput out = learner_.training_forward(
      images ? TrainingBatch{torch::Tensor(), labels_, inputs_} : TrainingBatch{inputs_, labels_, torch::Tensor()});
  for (const auto& [name, value] : out.terms) {
    if (name == kCrossEntropy || name == kTrainingLoss || name == kKlToZeroShot) {
      throw std::invalid_argument("the learner returned a loss term named \"" + name +
                                  "\", a name the framework keeps for its own");
    }
    if (!value.defined() || value.numel() != 1) {
      throw std::invalid_argument("the learner's loss term \"" + name + "\" is not a scalar tensor");
    }
  }
  LossTerms& terms = out.terms;
  terms[kCrossEntropy] = torch::nn::functional::cross_entropy(out.logits, labels_);
  if (with_teacher) {
    if (teacher_ == nullptr) {
      throw std::invalid_argument("the loss term \"kl_to_zeroshot\" needs a zero-shot teacher, and this run has none");
    }
    if (!teacher_logits_.defined()) {
      teacher_logits_ = images ? teacher_->logits_of_images(inputs_) : teacher_->logits(inputs_);
    }
    // KL(teacher || learner), averaged over the batch.
    const torch::Tensor log_student = torch::log_softmax(out.logits.to(torch::kFloat), 1);
    const torch::Tensor log_teacher = torch::log_softmax(teacher_logits_, 1);
    terms[kKlToZeroShot] = (log_teacher.exp() * (log_teacher - log_student)).sum(1).mean();
  }
  return out;
}

torch::Tensor BatchObjective::sum_of(const LossTerms& terms, const std::vector<std::string>& names) const {
  torch::Tensor sum;
  auto add = [&sum](const torch::Tensor& t) { sum = sum.defined() ? sum + t : t; };
  for (const auto& name : names) {
    if (name == kTrainingLoss) {
      // "ce" first, then the learner's terms by name: the order evaluate() has always summed in.
      add(terms.at(kCrossEntropy));
      for (const auto& [n, t] : terms)
        if (n != kCrossEntropy && n != kKlToZeroShot) add(t);
      continue;
    }
    auto it = terms.find(name);
    if (it == terms.end()) {
      std::string known = kTrainingLoss;
      for (const auto& [n, t] : terms) known += ", " + n;
      if (terms.count(kKlToZeroShot) == 0) known += std::string(", ") + kKlToZeroShot;
      throw std::invalid_argument("no loss term named \"" + name + "\" (the terms are " + known + ")");
    }
    add(it->second);
  }
  if (!sum.defined()) throw std::invalid_argument("a group of loss terms is empty");
  return sum;
}

void BatchObjective::record_first(const torch::Tensor& logits, const LossTerms& terms) {
  if (first_logits_.defined()) return;
  first_logits_ = logits.detach();
  for (const auto& [name, value] : terms) first_terms_[name] = value.detach();
}

torch::Tensor BatchObjective::training_loss() { return sum_of(forward(/*with_teacher=*/false).terms, {kTrainingLoss}); }

torch::Tensor BatchObjective::evaluate() {
  for (auto& p : params_) {
    if (p.grad().defined()) p.grad().zero_();
  }
  const LearnerOutput out = forward(/*with_teacher=*/false);
  torch::Tensor loss = sum_of(out.terms, {kTrainingLoss});
  loss.backward();
  record_first(out.logits, out.terms);
  return loss.detach();
}

std::vector<TermGradient> BatchObjective::gradients(const std::vector<std::vector<std::string>>& groups) {
  bool with_teacher = false;
  for (const auto& g : groups)
    for (const auto& name : g) with_teacher = with_teacher || name == kKlToZeroShot;
  const LearnerOutput out_pass = forward(with_teacher);
  std::vector<torch::Tensor> sums;
  for (const auto& g : groups) sums.push_back(sum_of(out_pass.terms, g));
  std::vector<TermGradient> out;
  for (std::size_t i = 0; i < sums.size(); ++i) {
    const bool more = i + 1 < sums.size();
    auto grads = torch::autograd::grad({sums[i]}, params_, {}, /*retain_graph=*/more, /*create_graph=*/false,
                                       /*allow_unused=*/true);
    TermGradient tg;
    tg.value = sums[i].detach();
    for (std::size_t k = 0; k < grads.size(); ++k)
      tg.gradient.push_back(grads[k].defined() ? grads[k] : torch::zeros_like(params_[k]));
    out.push_back(std::move(tg));
  }
  record_first(out_pass.logits, out_pass.terms);
  return out;
}

StepMetrics BatchObjective::term_metrics() const {
  StepMetrics out;
  if (first_terms_.size() < 2) return out;
  for (const auto& [name, value] : first_terms_) out["loss_" + name] = value;
  return out;
}

StepMetrics PlainStepRule::compute_gradient(Objective& objective) {
  return {{"loss", objective.evaluate()}};
}

}  // namespace promptlab

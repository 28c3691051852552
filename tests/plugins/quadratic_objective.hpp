#pragma once
// A tiny test objective: L(w) = sum_i (0.5 * sum_j a_ij w_ij^2 + sum_j b_ij w_ij), so that
// dL/dw_i = a_i * w_i + b_i can be written down by hand.
#include <torch/torch.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "promptlab/step_rule.hpp"

namespace promptlab::test {

/// Separable diagonal quadratic over several parameter tensors.
class QuadraticObjective : public Objective {
 public:
  /// One (w, a, b) triple per parameter tensor; w becomes a leaf requiring grad.
  void add(std::vector<float> w, std::vector<float> a, std::vector<float> b) {
    params_.push_back(torch::tensor(w).requires_grad_(true));
    a_.push_back(torch::tensor(a));
    b_.push_back(torch::tensor(b));
  }
  const std::vector<torch::Tensor>& parameters() const override { return params_; }
  torch::Tensor evaluate() override {
    ++evaluations;
    for (auto& p : params_) {
      if (p.grad().defined()) p.mutable_grad().zero_();
    }
    torch::Tensor loss = value();
    loss.backward();
    return loss.detach();
  }
  /// The quadratic is the one term, "ce" (the training loss, "loss", is the same).
  std::vector<TermGradient> gradients(const std::vector<std::vector<std::string>>& groups) override {
    ++evaluations;
    std::vector<TermGradient> out;
    for (const auto& group : groups) {
      if (group != std::vector<std::string>{"loss"} && group != std::vector<std::string>{"ce"}) {
        throw std::invalid_argument("the quadratic objective has only the term \"ce\"");
      }
      torch::Tensor loss = value();
      TermGradient g;
      g.value = loss.detach();
      g.gradient = torch::autograd::grad({loss}, params_);
      out.push_back(std::move(g));
    }
    return out;
  }
  const torch::Tensor& labels() const override { return none_; }
  const torch::Tensor& first_logits() const override { return none_; }
  int evaluations = 0;

 private:
  torch::Tensor value() const {
    torch::Tensor loss = torch::zeros({});
    for (std::size_t i = 0; i < params_.size(); ++i) {
      loss = loss + 0.5 * (a_[i] * params_[i] * params_[i]).sum() + (b_[i] * params_[i]).sum();
    }
    return loss;
  }
  std::vector<torch::Tensor> params_, a_, b_;
  torch::Tensor none_;
};

}  // namespace promptlab::test

#pragma once
// The StepRule seam: decides which gradient the framework's SGD applies.
#include <torch/torch.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "promptlab/config.hpp"
#include "promptlab/export.hpp"

namespace promptlab {

/// The value of a sum of loss terms and its gradient, one tensor per parameter (zeros where the
/// terms do not depend on a parameter).
struct TermGradient {
  double value = 0;
  std::vector<torch::Tensor> gradient;
};

/// Runs forward + backward on the current batch on demand.
///
/// Loss terms by name: "ce" (the framework's cross-entropy), the learner's own terms (e.g.
/// KgCoOp's "kg"), and "kl_to_zeroshot", KL(zero-shot teacher || learner) over the batch's
/// predictions, which is never part of the training loss but is there to be asked for.
/// kTrainingLoss names the sum of the training terms (everything but "kl_to_zeroshot").
class PROMPTLAB_API Objective {
 public:
  static constexpr const char* kTrainingLoss = "loss";
  static constexpr const char* kCrossEntropy = "ce";
  static constexpr const char* kKlToZeroShot = "kl_to_zeroshot";

  virtual ~Objective();
  /// Trainable tensors (their .grad() is written by evaluate()).
  virtual const std::vector<torch::Tensor>& parameters() const = 0;
  /// Zeroes gradients, evaluates the training loss at the current parameters and back-propagates
  /// it into .grad(). Returns the loss value.
  virtual double evaluate() = 0;
  /// One forward pass at the current parameters, then for each group the sum of its named terms
  /// and that sum's gradient (one backward pass per group). .grad() is left as it was; a rule
  /// writes the gradient it decides on. An unknown name throws std::invalid_argument naming it and
  /// the terms there are.
  virtual std::vector<TermGradient> gradients(const std::vector<std::vector<std::string>>& groups) = 0;
  /// The batch's labels [B] (indices into the training classes).
  virtual const torch::Tensor& labels() const = 0;
  /// The learner's logits [B, n_cls] at the first evaluation of this batch (the unperturbed
  /// parameters), detached; undefined before any evaluation.
  virtual const torch::Tensor& first_logits() const = 0;
};

/// Per-step numbers a rule reports (e.g. "cos", "grad_norm", "sharpness",
/// "branch_sam"). The framework stores per-epoch mean, min, max and sum of each.
using StepMetrics = std::map<std::string, double>;

/// Decides the gradient: on return, every parameter's .grad() holds the gradient
/// to apply and the parameters hold their values from before the call. The
/// framework then applies SGD with momentum, weight decay and the schedule.
///
/// Example (plain gradient descent):
/// \code
///   class Plain : public promptlab::StepRule {
///    public:
///     promptlab::StepMetrics compute_gradient(promptlab::Objective& obj) override {
///       return {{"loss", obj.evaluate()}};
///     }
///   };
/// \endcode
class PROMPTLAB_API StepRule {
 public:
  virtual ~StepRule();
  /// Must report "loss" (the loss at the unperturbed parameters).
  virtual StepMetrics compute_gradient(Objective& objective) = 0;
};

}  // namespace promptlab

#pragma once
// The StepRule seam: decides which gradient the framework's SGD applies.
#include <torch/torch.h>

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "promptlab/config.hpp"
#include "promptlab/export.hpp"

namespace promptlab {

/// The value of a sum of loss terms (a detached one-element tensor on the parameters' device) and
/// its gradient, one tensor per parameter (zeros where the terms do not depend on a parameter).
struct TermGradient {
  torch::Tensor value;
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
  /// it into .grad(). Returns the loss as a detached one-element tensor on the parameters' device:
  /// reading it (.item()) makes the host wait for the device, so a rule hands it on as a Metric.
  virtual torch::Tensor evaluate() = 0;
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

/// One per-step number: a plain number, or a one-element tensor that may still be on the device.
/// The framework reads all of a step's tensors with one transfer per device, so a rule that keeps
/// its numbers as tensors never makes the host wait for the device in the middle of a step.
class Metric {
 public:
  Metric() : value_(torch::scalar_tensor(0.0, torch::kDouble)) {}
  Metric(double value) : value_(torch::scalar_tensor(value, torch::kDouble)) {}  // NOLINT: implicit
  Metric(torch::Tensor value) : value_(std::move(value)) {}                      // NOLINT: implicit
  const torch::Tensor& tensor() const { return value_; }

 private:
  torch::Tensor value_;
};

/// Per-step numbers a rule reports (e.g. "cos", "grad_norm", "sharpness",
/// "branch_sam"). The framework stores per-epoch mean, min, max and sum of each.
using StepMetrics = std::map<std::string, Metric>;

/// The values of one-element tensors, read with one device-to-host transfer per device they are
/// on (none for CPU tensors). Throws std::invalid_argument for an undefined tensor or one of
/// another size, naming it by `names[i]` when given, else by its position.
PROMPTLAB_API std::vector<double> read_scalars(const std::vector<torch::Tensor>& values,
                                               const std::vector<std::string>& names = {});

/// Every metric's value, read as read_scalars does; the error names the metric.
PROMPTLAB_API std::map<std::string, double> read_metrics(const StepMetrics& metrics);

/// Decides the gradient: on return, every parameter's .grad() holds the gradient
/// to apply and the parameters hold their values from before the call. The
/// framework then applies SGD with momentum, weight decay and the schedule.
///
/// Example (plain gradient descent):
/// \code
///   class Plain : public promptlab::StepRule {
///    public:
///     promptlab::StepMetrics compute_gradient(promptlab::Objective& obj) override {
///       return {{"loss", obj.evaluate()}};  // a tensor: read after the step, with the others
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

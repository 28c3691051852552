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

/// Runs forward + backward on the current batch on demand.
class PROMPTLAB_API Objective {
 public:
  virtual ~Objective();
  /// Trainable tensors (their .grad() is written by evaluate()).
  virtual const std::vector<torch::Tensor>& parameters() const = 0;
  /// Zeroes gradients, evaluates the loss at the current parameters and back-propagates.
  /// Returns the loss value.
  virtual double evaluate() = 0;
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

#pragma once
// GCSAM, the step rule of GCSCoOp: SAM's perturbation, then a per-tensor choice
// between the SAM gradient, its projection and the plain gradient.
#include "promptlab/config.hpp"
#include "promptlab/step_rule.hpp"

namespace promptlab {

/// GCSAM's settings, read from the "gcsam." config keys. Their defaults (the official ones) are in
/// plugin.toml only.
struct GcsamOptions {
  double rho{};    // gcsam.rho
  double beta1{};  // gcsam.beta1
  double beta2{};  // gcsam.beta2
  /// Reads gcsam.rho, gcsam.beta1, gcsam.beta2; a missing key or an invalid value throws naming it.
  static GcsamOptions from_config(const Config& config);
};

/// Metrics: loss, grad_norm, sharpness, cos (mean over tensors), and per-step
/// counts of tensors taking each branch: branch_sam, branch_proj, branch_sgd.
class GcsamRule : public StepRule {
 public:
  explicit GcsamRule(GcsamOptions options) : options_(options) {}
  StepMetrics compute_gradient(Objective& objective) override;
  const GcsamOptions& options() const { return options_; }

 private:
  GcsamOptions options_;
};

}  // namespace promptlab

#pragma once
// SAM (Foret et al. 2021) and its adaptive variant ASAM (Kwon et al. 2021) as a step rule.
#include "promptlab/config.hpp"
#include "promptlab/step_rule.hpp"

namespace promptlab {

/// SAM's settings, read from the "sam." config keys. Their defaults are in plugin.toml only.
struct SamOptions {
  double rho{};         // neighbourhood radius (sam.rho)
  bool adaptive{};      // ASAM: |w|-scaled perturbation (sam.adaptive)
  /// Reads sam.rho and sam.adaptive; a missing key or a negative rho throws naming the key.
  static SamOptions from_config(const Config& config);
};

/// g = dL(w); eps = rho g / ||g||; leaves dL(w + eps) in .grad() and w unchanged.
/// Metrics: loss, grad_norm (||g||), sharpness (L(w+eps) - L(w)), cos (cos(g_sam, g)).
class SamRule : public StepRule {
 public:
  explicit SamRule(SamOptions options) : options_(options) {}
  StepMetrics compute_gradient(Objective& objective) override;
  const SamOptions& options() const { return options_; }

 private:
  SamOptions options_;
};

}  // namespace promptlab

#include "sam/sam_rule.hpp"

#include <cmath>

#include "promptlab/sharpness/sam_perturbation.hpp"

namespace promptlab {

SamOptions SamOptions::from_config(const Config& config) {
  SamOptions options;
  options.rho = config.get_double("sam.rho");
  options.adaptive = config.get_bool("sam.adaptive");
  if (!(options.rho >= 0.0) || !std::isfinite(options.rho)) {  // NaN fails the first test
    throw ConfigError("sam.rho must be a finite number >= 0, got " + std::to_string(options.rho));
  }
  return options;
}

StepMetrics SamRule::compute_gradient(Objective& objective) {
  const auto& params = objective.parameters();
  const torch::Tensor loss = objective.evaluate();
  const auto g = sam::snapshot_gradients(params);
  const auto saved = sam::snapshot_values(params);
  const auto eps = sam::ascent_perturbation(params, g, options_.rho, options_.adaptive);
  sam::apply_perturbation(params, eps);
  const torch::Tensor loss_perturbed = objective.evaluate();
  sam::restore_values(params, saved);
  const auto g_sam = sam::snapshot_gradients(params);
  return {{"loss", loss},
          {"grad_norm", sam::global_norm(g)},
          {"sharpness", loss_perturbed - loss},
          {"cos", sam::global_cosine(g_sam, g)}};
}

}  // namespace promptlab

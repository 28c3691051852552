#include "gcscoop/gcsam_rule.hpp"

#include <cmath>
#include <string>
#include <utility>

#include "gcscoop/gradient_constraint.hpp"
#include "promptlab/sharpness/sam_perturbation.hpp"

namespace promptlab {

GcsamOptions GcsamOptions::from_config(const Config& config) {
  GcsamOptions options;
  options.rho = config.get_double("gcsam.rho");
  options.beta1 = config.get_double("gcsam.beta1");
  options.beta2 = config.get_double("gcsam.beta2");
  if (!(options.rho >= 0.0) || !std::isfinite(options.rho)) {  // NaN fails the first test
    throw ConfigError("gcsam.rho must be a finite number >= 0, got " + std::to_string(options.rho));
  }
  for (const auto& [key, value] : {std::pair<const char*, double>{"gcsam.beta1", options.beta1},
                                   std::pair<const char*, double>{"gcsam.beta2", options.beta2}}) {
    if (!(value >= -1.0 && value <= 1.0)) {
      throw ConfigError(std::string(key) + " must be a cosine in [-1, 1], got " + std::to_string(value));
    }
  }
  if (options.beta1 > options.beta2) {
    throw ConfigError("gcsam.beta1 (" + std::to_string(options.beta1) + ") must not exceed gcsam.beta2 (" +
                      std::to_string(options.beta2) + ")");
  }
  return options;
}

StepMetrics GcsamRule::compute_gradient(Objective& objective) {
  const auto& params = objective.parameters();
  const torch::Tensor loss = objective.evaluate();
  const auto y = sam::snapshot_gradients(params);
  const auto saved = sam::snapshot_values(params);
  sam::apply_perturbation(params, sam::ascent_perturbation(params, y, options_.rho, false));
  const torch::Tensor loss_perturbed = objective.evaluate();
  sam::restore_values(params, saved);
  const auto x = sam::snapshot_gradients(params);

  // Every choice is made on the device; the branch counts and cosines stay tensors until the
  // framework reads the step's metrics.
  std::vector<torch::Tensor> chosen, cosines, branches;
  for (std::size_t i = 0; i < params.size(); ++i) {
    ConstrainedGradient c = constrain_gradient(x[i], y[i], options_.beta1, options_.beta2);
    cosines.push_back(c.cosine);
    branches.push_back(c.branch);
    chosen.push_back(std::move(c.gradient));
  }
  sam::assign_gradients(params, chosen);
  const torch::Tensor all_branches =
      branches.empty() ? torch::empty({0}, torch::kLong) : torch::stack(branches);
  auto count = [&all_branches](GcsamBranch b) {
    return all_branches.eq(static_cast<std::int64_t>(b)).sum().to(torch::kDouble);
  };
  return {{"loss", loss},
          {"grad_norm", sam::global_norm(y)},
          {"sharpness", loss_perturbed - loss},
          {"cos", cosines.empty() ? torch::scalar_tensor(0.0, torch::kDouble) : torch::stack(cosines).mean()},
          {"branch_sam", count(GcsamBranch::kSam)},
          {"branch_proj", count(GcsamBranch::kProjection)},
          {"branch_sgd", count(GcsamBranch::kPlain)}};
}

}  // namespace promptlab

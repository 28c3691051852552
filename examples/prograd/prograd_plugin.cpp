// The prograd plugin: the "prograd" step rule and the ProGrad method (the coop plugin's learner
// with this rule). The zero-shot prediction comes from the framework's "kl_to_zeroshot" term.
#include <promptlab/plugin.hpp>
#include <promptlab/sharpness/sam_perturbation.hpp>

#include <cmath>

#include "prograd_projection.hpp"

namespace {

class ProGradRule : public promptlab::StepRule {
 public:
  explicit ProGradRule(double lambda) : lambda_(lambda) {}

  promptlab::StepMetrics compute_gradient(promptlab::Objective& objective) override {
    using promptlab::Objective;
    const auto g = objective.gradients({{Objective::kTrainingLoss}, {Objective::kKlToZeroShot}});
    const prograd::Projection p = prograd::project_conflicting(g[0].gradient, g[1].gradient, lambda_);
    promptlab::sam::assign_gradients(objective.parameters(), p.gradient);
    const torch::Tensor projected = p.projected.to(torch::kDouble);
    return {{"loss", g[0].value}, {"cos", p.cosine}, {"branch_projected", projected}, {"branch_kept", 1.0 - projected}};
  }

 private:
  double lambda_;
};

void register_prograd(promptlab::PluginRegistrar& registrar) {
  registrar.add_step_rule("prograd", [](const promptlab::Config& config) {
    const double lambda = config.get_double("prograd.lambda");
    if (!(lambda >= 0.0) || !std::isfinite(lambda)) {
      throw promptlab::ConfigError("prograd.lambda must be a finite number >= 0, got " + std::to_string(lambda));
    }
    return std::make_unique<ProGradRule>(lambda);
  });
  registrar.add_method({"prograd", "coop", "prograd",
                        "ProGrad: CoOp's context, the CE gradient kept from conflicting with zero-shot CLIP's", true});
}

}  // namespace

PROMPTLAB_PLUGIN("prograd", "0.1.0", register_prograd)

// A step rule written against the installed SDK only: SAM's two evaluations, with the SDK's
// perturbation helpers, at the radius `halfsam.rho`.
#include <promptlab/plugin.hpp>
#include <promptlab/sharpness/sam_perturbation.hpp>

namespace {

class HalfSam : public promptlab::StepRule {
 public:
  explicit HalfSam(double rho) : rho_(rho) {}

  promptlab::StepMetrics compute_gradient(promptlab::Objective& objective) override {
    namespace sam = promptlab::sam;
    const auto& params = objective.parameters();
    const torch::Tensor loss = objective.evaluate();
    const auto eps = sam::ascent_perturbation(params, sam::snapshot_gradients(params), rho_, /*adaptive=*/false);
    const auto saved = sam::snapshot_values(params);
    sam::apply_perturbation(params, eps);
    objective.evaluate();  // the gradient at the perturbed point is the one applied
    sam::restore_values(params, saved);
    return {{"loss", loss}, {"rho", rho_}};
  }

 private:
  double rho_;
};

void register_halfsam(promptlab::PluginRegistrar& registrar) {
  registrar.add_step_rule("halfsam", [](const promptlab::Config& config) {
    return std::make_unique<HalfSam>(config.get_double("halfsam.rho"));
  });
  registrar.add_method({"halfsam", "coop", "halfsam", "CoOp + SAM at its own radius (out-of-tree test)", true});
}

}  // namespace

PROMPTLAB_PLUGIN("halfsam", "0.1.0", register_halfsam)

// Entry point of the "coop" plugin: registers the coop, zeroshot and linear_probe learners
// and the coop, zeroshot and linear-probe methods.
#include "promptlab/prompt/coop_learner.hpp"
#include "coop/linear_probe_learner.hpp"
#include "coop/zeroshot_learner.hpp"
#include "promptlab/plugin.hpp"

namespace {

template <typename T>
promptlab::LearnerFactory factory_of() {
  return [](const promptlab::LearnerContext& context) -> std::shared_ptr<promptlab::Learner> {
    return std::make_shared<T>(context);
  };
}

void register_coop(promptlab::PluginRegistrar& registrar) {
  registrar.add_learner("coop", factory_of<promptlab::CoopLearner>());
  registrar.add_learner("zeroshot", factory_of<promptlab::ZeroshotLearner>());
  registrar.add_learner("linear_probe", factory_of<promptlab::LinearProbeLearner>());
  registrar.add_method({"coop", "coop", promptlab::kPlainStepRule, "CoOp: learned prompt context, plain SGD", true});
  registrar.add_method({"zeroshot", "zeroshot", promptlab::kPlainStepRule, "CLIP zero-shot with the dataset's hand-written template", false});
  registrar.add_method(
      {"linear-probe", "linear_probe", promptlab::kPlainStepRule, "Linear head on CLIP image features, initialised from zero-shot", true});
}

}  // namespace

PROMPTLAB_PLUGIN("coop", "0.1.0", register_coop)

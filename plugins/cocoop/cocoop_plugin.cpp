// Entry point of the "cocoop" plugin: registers the cocoop learner and method.
#include "cocoop/cocoop_learner.hpp"
#include "promptlab/plugin.hpp"

namespace {

void register_cocoop(promptlab::PluginRegistrar& registrar) {
  registrar.add_learner("cocoop", [](const promptlab::LearnerContext& context) -> std::shared_ptr<promptlab::Learner> {
    return std::make_shared<promptlab::CocoopLearner>(context);
  });
  registrar.add_method({"cocoop", "cocoop", promptlab::kPlainStepRule, "CoCoOp: image-conditional prompt context (meta-net), plain SGD", true});
}

}  // namespace

PROMPTLAB_PLUGIN("cocoop", "0.1.0", register_cocoop)

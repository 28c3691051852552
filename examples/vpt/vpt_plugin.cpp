// The vpt plugin: the "vpt" learner (visual prompts, images in) and the VPT method (plain SGD).
#include <promptlab/plugin.hpp>

#include "vpt_learner.hpp"

namespace {

void register_vpt(promptlab::PluginRegistrar& registrar) {
  registrar.add_learner("vpt", [](const promptlab::LearnerContext& context) -> std::shared_ptr<promptlab::Learner> {
    return std::make_shared<vpt::VptLearner>(context);
  });
  registrar.add_method({"vpt", "vpt", promptlab::kPlainStepRule,
                        "VPT-deep: learned tokens in every layer of CLIP's vision transformer", true});
}

}  // namespace

PROMPTLAB_PLUGIN("vpt", "0.1.0", register_vpt)

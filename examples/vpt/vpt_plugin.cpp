// The vpt plugin: the "vpt" learner (visual prompts, images in) and the VPT method (plain SGD), and
// the "ivlp" learner (CoOp's context plus deep prompts in both towers) and its method.
#include <promptlab/plugin.hpp>

#include "ivlp_learner.hpp"
#include "vpt_learner.hpp"

namespace {

void register_vpt(promptlab::PluginRegistrar& registrar) {
  registrar.add_learner("vpt", [](const promptlab::LearnerContext& context) -> std::shared_ptr<promptlab::Learner> {
    return std::make_shared<vpt::VptLearner>(context);
  });
  registrar.add_method({"vpt", "vpt", promptlab::kPlainStepRule,
                        "VPT-deep: learned tokens in every layer of CLIP's vision transformer", true});
  registrar.add_learner("ivlp", [](const promptlab::LearnerContext& context) -> std::shared_ptr<promptlab::Learner> {
    return std::make_shared<vpt::IvlpLearner>(context);
  });
  registrar.add_method({"ivlp", "ivlp", promptlab::kPlainStepRule,
                        "IVLP: CoOp's context plus learned tokens in the layers of both CLIP towers", true});
}

}  // namespace

PROMPTLAB_PLUGIN("vpt", "0.1.0", register_vpt)

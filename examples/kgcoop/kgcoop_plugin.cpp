// The kgcoop plugin: the "kgcoop" learner and the KgCoOp method (that learner, plain SGD).
#include <promptlab/plugin.hpp>

#include "kgcoop_learner.hpp"

namespace {

void register_kgcoop(promptlab::PluginRegistrar& registrar) {
  registrar.add_learner("kgcoop", [](const promptlab::LearnerContext& context) -> std::shared_ptr<promptlab::Learner> {
    return std::make_shared<kgcoop::KgCoopLearner>(context);
  });
  registrar.add_method({"kgcoop", "kgcoop", promptlab::kPlainStepRule,
                        "KgCoOp: CoOp's context kept near the hand-written prompt's features", true});
}

}  // namespace

PROMPTLAB_PLUGIN("kgcoop", "0.1.0", register_kgcoop)

// Entry point of the "sam" plugin: registers the SAM step rule and the `sam` method.
#include "promptlab/plugin.hpp"
#include "sam/sam_rule.hpp"

namespace {

void register_sam(promptlab::PluginRegistrar& registrar) {
  registrar.add_step_rule("sam", [](const promptlab::Config& config) -> std::unique_ptr<promptlab::StepRule> {
    return std::make_unique<promptlab::SamRule>(promptlab::SamOptions::from_config(config));
  });
  registrar.add_method({"sam", "coop", "sam", "CoOp prompts trained with sharpness-aware minimisation", true});
}

}  // namespace

PROMPTLAB_PLUGIN("sam", "0.1.0", register_sam)

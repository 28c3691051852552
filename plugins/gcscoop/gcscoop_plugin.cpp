// Entry point of the "gcscoop" plugin: registers the GCSAM step rule and the `gcscoop` method.
#include "gcscoop/gcsam_rule.hpp"
#include "promptlab/plugin.hpp"

namespace {

void register_gcscoop(promptlab::PluginRegistrar& registrar) {
  registrar.add_step_rule("gcsam", [](const promptlab::Config& config) -> std::unique_ptr<promptlab::StepRule> {
    return std::make_unique<promptlab::GcsamRule>(promptlab::GcsamOptions::from_config(config));
  });
  registrar.add_method(
      {"gcscoop", "coop", "gcsam", "CoOp prompts trained with gradient-constrained sharpness-aware minimisation", true});
}

}  // namespace

PROMPTLAB_PLUGIN("gcscoop", "0.1.0", register_gcscoop)

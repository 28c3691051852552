#pragma once
#include <cstdint>

/// promptlab's own version: the one place it is written (CMakeLists.txt reads it from here, and
/// plugin.hpp puts it in the build fingerprint).
#define PROMPTLAB_VERSION_STRING "0.1.0"

namespace promptlab {

/// promptlab's own version, recorded with every run.
inline constexpr const char* kVersion = PROMPTLAB_VERSION_STRING;

/// Plugin SDK/ABI version. Bump whenever PluginInfo, PluginRegistrar, any interface a
/// plugin implements (Learner, StepRule, Dataset) or the set of SDK functions a plugin
/// may call (promptlab/prompt/, promptlab/sharpness/) changes.
/// 3: the CoOp prompt machinery and the SAM perturbation helpers moved into the SDK.
/// 4: named loss terms (Learner::training_forward, Objective::gradients), the zero-shot teacher,
///    and the CoOp learner itself in the SDK (promptlab/prompt/coop_learner.hpp).
/// 5: step metrics may be tensors left on the device (Metric, read_metrics); Objective::evaluate
///    and TermGradient::value are tensors; sam::global_norm and sam::global_cosine return tensors;
///    CoopOptions::from_config reads every coop.* key without a default (and coop.csc on request).
/// 6: ClipModel holds the text encoder's recomputation chunk (set_text_grad_chunk).
/// 7: libpromptlab exports only the SDK (hidden visibility); Learner::end_epoch.
/// 8: ClipModel::encode_text_shared_prefix and its switch; encode_context_prompts (prompt_tokens.hpp).
inline constexpr std::uint32_t kPluginApiVersion = 8;

}  // namespace promptlab

#pragma once
#include <cstdint>

namespace promptlab {

/// promptlab's own version, recorded with every run.
inline constexpr const char* kVersion = "0.1.0";

/// Plugin SDK/ABI version. Bump whenever PluginInfo, PluginRegistrar, any interface a
/// plugin implements (Learner, StepRule, Dataset) or the set of SDK functions a plugin
/// may call (promptlab/prompt/, promptlab/sharpness/) changes.
/// 3: the CoOp prompt machinery and the SAM perturbation helpers moved into the SDK.
inline constexpr std::uint32_t kPluginApiVersion = 3;

}  // namespace promptlab

#pragma once
#include <cstdint>

namespace promptlab {

/// promptlab's own version, recorded with every run.
inline constexpr const char* kVersion = "0.1.0";

/// Plugin SDK/ABI version. Bump whenever PluginInfo, PluginRegistrar or any
/// interface a plugin implements (Learner, StepRule, Dataset) changes.
inline constexpr std::uint32_t kPluginApiVersion = 2;

}  // namespace promptlab

#pragma once
// Range checks of the framework's own config keys, made before a run starts; each error names
// the key, the value and the range (plugins check their own keys when their rule or learner is
// built).
#include "promptlab/config.hpp"

namespace promptlab {

/// Throws ConfigError for the first out-of-range framework key. `trains`: the method trains
/// (epochs must then be at least 1; zero-shot methods have none).
void check_config_ranges(const Config& config, bool trains);

}  // namespace promptlab

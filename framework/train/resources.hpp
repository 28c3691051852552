#pragma once
// Where promptlab finds its shipped files (protocols/, assets/).
#include <string>
#include <vector>

namespace promptlab {

/// Existing directories named `sub` in search order: $PROMPTLAB_HOME/<sub>, ./<sub>,
/// the source tree, share/promptlab/<sub> beside the loaded library's folder, then the configured
/// install prefix's.
std::vector<std::string> resource_dirs(const std::string& sub);

/// First existing file `relative` under resource_dirs' roots; "" when none.
std::string find_resource(const std::string& relative);

}  // namespace promptlab

#pragma once
// Joining strings with a separator (messages, listings, stored warnings).
#include <string>
#include <vector>

namespace promptlab {

/// items[0] + sep + items[1] + ...; "" for none.
inline std::string join(const std::vector<std::string>& items, const std::string& sep) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) out += (i == 0 ? "" : sep) + items[i];
  return out;
}

}  // namespace promptlab

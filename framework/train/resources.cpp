#include "train/resources.hpp"

#include "util/library_location.hpp"

#include <cstdlib>
#include <algorithm>
#include <filesystem>

namespace fs = std::filesystem;

namespace promptlab {

namespace {
std::vector<fs::path> roots() {
  std::vector<fs::path> out;
  if (const char* home = std::getenv("PROMPTLAB_HOME"); home && *home) out.emplace_back(home);
  out.emplace_back(fs::current_path());
  out.emplace_back(PROMPTLAB_SOURCE_DIR);
  // Installed: <prefix>/share/promptlab, wherever the prefix was moved.
  if (const auto prefix = installation_prefix(); !prefix.empty()) out.push_back(prefix / "share" / "promptlab");
  out.emplace_back(PROMPTLAB_INSTALL_DATA_DIR);
  return out;
}
}  // namespace

std::vector<std::string> resource_dirs(const std::string& sub) {
  std::vector<std::string> out;
  for (const auto& root : roots()) {
    std::error_code ec;
    fs::path dir = root / sub;
    if (fs::is_directory(dir, ec)) {
      std::string s = fs::weakly_canonical(dir, ec).string();
      if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
    }
  }
  return out;
}

std::string find_resource(const std::string& relative) {
  for (const auto& root : roots()) {
    std::error_code ec;
    fs::path p = root / relative;
    if (fs::is_regular_file(p, ec)) return p.string();
  }
  return "";
}

}  // namespace promptlab

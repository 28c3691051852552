#include "util/library_location.hpp"

#include <dlfcn.h>

#include <algorithm>
#include <string>

#ifndef PROMPTLAB_BUILD_CODE_DIRS
#define PROMPTLAB_BUILD_CODE_DIRS ""
#endif

namespace promptlab {

namespace {
// Any function of this code: dladdr() names the file that holds it.
void anchor() {}
}  // namespace

std::filesystem::path code_directory() {
  Dl_info info{};
  if (::dladdr(reinterpret_cast<void*>(&anchor), &info) == 0 || info.dli_fname == nullptr) return {};
  std::error_code ec;
  const std::filesystem::path file = std::filesystem::canonical(info.dli_fname, ec);
  return ec ? std::filesystem::path() : file.parent_path();
}

std::filesystem::path installation_prefix() {
  const auto dir = code_directory();
  return dir.empty() ? dir : dir.parent_path();
}

bool running_from_build_tree() {
  const auto here = code_directory();
  if (here.empty()) return false;
  const std::string dirs = PROMPTLAB_BUILD_CODE_DIRS;  // '|'-separated
  std::size_t start = 0;
  while (start <= dirs.size()) {
    const std::size_t end = std::min(dirs.find('|', start), dirs.size());
    const std::string dir = dirs.substr(start, end - start);
    std::error_code ec;
    if (!dir.empty() && std::filesystem::canonical(dir, ec) == here && !ec) return true;
    start = end + 1;
  }
  return false;
}

}  // namespace promptlab

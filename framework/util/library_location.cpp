#include "util/library_location.hpp"

#include <dlfcn.h>

#ifndef PROMPTLAB_BUILD_LIB_DIR
#define PROMPTLAB_BUILD_LIB_DIR ""
#endif

namespace promptlab {

namespace {
// Any function of this library: dladdr() names the file that holds it.
void anchor() {}
}  // namespace

std::filesystem::path library_directory() {
  Dl_info info{};
  if (::dladdr(reinterpret_cast<void*>(&anchor), &info) == 0 || info.dli_fname == nullptr) return {};
  std::error_code ec;
  const std::filesystem::path file = std::filesystem::canonical(info.dli_fname, ec);
  return ec ? std::filesystem::path() : file.parent_path();
}

bool running_from_build_tree() {
  const std::string build = PROMPTLAB_BUILD_LIB_DIR;
  if (build.empty()) return false;
  std::error_code ec;
  const std::filesystem::path build_dir = std::filesystem::canonical(build, ec);
  return !ec && build_dir == library_directory();
}

}  // namespace promptlab

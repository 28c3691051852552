#include "util/temp_path.hpp"

#include <unistd.h>

namespace promptlab {

std::string temp_path_beside(const std::string& path) {
  char host[256] = {0};
  if (::gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0') host[0] = '-';
  std::string name(host);
  for (char& c : name)
    if (c == '/') c = '_';
  return path + ".tmp." + name + "." + std::to_string(static_cast<long long>(::getpid()));
}

}  // namespace promptlab

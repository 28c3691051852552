#include "util/temp_path.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace promptlab {

std::string temp_path_beside(const std::string& path) {
  char host[256] = {0};
  if (::gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0') host[0] = '-';
  std::string name(host);
  for (char& c : name)
    if (c == '/') c = '_';
  return path + ".tmp." + name + "." + std::to_string(static_cast<long long>(::getpid()));
}

void write_file_atomically(const std::string& path, const std::string& content, unsigned mode) {
  namespace fs = std::filesystem;
  const std::string tmp = temp_path_beside(path);
  const auto fail = [&](const std::string& why) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    throw std::runtime_error("cannot write " + path + " (through " + tmp + "): " + why);
  };
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) fail(std::strerror(errno));
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    out.close();
    if (!out) fail("write failed (disk full?)");
  }
  std::error_code ec;
  fs::permissions(tmp, static_cast<fs::perms>(mode) & fs::perms::mask, ec);
  if (!ec) fs::rename(tmp, path, ec);
  if (ec) fail(ec.message());
}

}  // namespace promptlab

#include "store/process_identity.hpp"

#include <unistd.h>

#include <fstream>
#include <sstream>

namespace promptlab {
namespace {

// Field 22 of /proc/<pid>/stat (after the parenthesised command name, which may hold spaces);
// -1 when the process does not exist or has exited (a zombie not yet collected by its parent).
std::int64_t start_ticks_of(std::int64_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!in || !std::getline(in, text)) return -1;
  const auto close = text.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream rest(text.substr(close + 2));
  std::string field;
  for (int i = 3; i <= 22; ++i) {
    if (!(rest >> field)) return -1;
    if (i == 3 && (field == "Z" || field == "X")) return -1;
  }
  try {
    return std::stoll(field);
  } catch (const std::exception&) {
    return -1;
  }
}

}  // namespace

std::string host_name() {
  char buf[256] = {0};
  if (gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  return buf;
}

ProcessIdentity current_process() {
  ProcessIdentity p;
  p.host = host_name();
  p.pid = static_cast<std::int64_t>(::getpid());
  p.start_ticks = start_ticks_of(p.pid);
  return p;
}

bool process_alive(const ProcessIdentity& p) {
  if (p.host != host_name()) return true;
  if (p.pid <= 0) return false;
  const std::int64_t ticks = start_ticks_of(p.pid);
  return ticks >= 0 && ticks == p.start_ticks;
}

}  // namespace promptlab

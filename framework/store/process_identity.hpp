#pragma once
// Which process owns a running run: host name, pid and the process's start time (so that a pid
// reused by a later process is not mistaken for the run's owner).
#include <cstdint>
#include <string>

namespace promptlab {

/// A process, as recorded with each running run.
struct ProcessIdentity {
  std::string host;
  std::int64_t pid = 0;
  std::int64_t start_ticks = 0;  // start time since boot, in clock ticks (/proc/<pid>/stat field 22)
};

/// This host's name (gethostname).
std::string host_name();

/// This process.
ProcessIdentity current_process();

/// True when `p` runs on this host and is still alive (same pid and start time). A process on
/// another host is reported alive: it cannot be checked from here.
bool process_alive(const ProcessIdentity& p);

}  // namespace promptlab

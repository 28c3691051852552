#pragma once
// An exclusive advisory lock (flock) on a lock file, held for the object's life: how processes
// sharing a folder (several runs on one store) take turns at writing the same file. The kernel
// drops the lock when its holder exits, even by kill -9, so a crash never leaves it held.
#include <functional>
#include <string>

namespace promptlab {

class FileLock {
 public:
  /// Locks `path` (created if missing). When another holder has it, calls `before_waiting` (if
  /// given) once and then blocks until the lock is free. Throws naming the path when it cannot
  /// be created or locked.
  explicit FileLock(const std::string& path, const std::function<void()>& before_waiting = nullptr);
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

  /// True when the constructor had to wait for another holder.
  bool waited() const { return waited_; }

 private:
  int fd_ = -1;
  bool waited_ = false;
};

}  // namespace promptlab

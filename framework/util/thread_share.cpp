#include "util/thread_share.hpp"

#include <ATen/Parallel.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace promptlab {
namespace fs = std::filesystem;

namespace {

constexpr const char* kSuffix = ".lock";

std::runtime_error share_error(const std::string& what, const std::string& path) {
  return std::runtime_error("thread share: " + what + " " + path + ": " + std::strerror(errno));
}

bool same_file(int fd, const std::string& path) {
  struct stat by_fd {}, by_path {};
  if (::fstat(fd, &by_fd) != 0 || ::stat(path.c_str(), &by_path) != 0) return false;
  return by_fd.st_dev == by_path.st_dev && by_fd.st_ino == by_path.st_ino;
}

}  // namespace

ThreadShare::ThreadShare(std::string folder) : folder_(std::move(folder)) {
  std::error_code ec;
  fs::create_directories(folder_, ec);
  if (!fs::is_directory(folder_)) {
    errno = ec ? ec.value() : ENOTDIR;
    throw share_error("cannot create the folder", folder_);
  }
  path_ = (fs::path(folder_) / (std::to_string(::getpid()) + kSuffix)).string();
  // Another process may remove a lock file it found unlocked between our open and our lock;
  // retry until the locked file is the one at the path.
  for (int attempt = 0; attempt < 100; ++attempt) {
    fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ < 0) throw share_error("cannot create", path_);
    if (::flock(fd_, LOCK_EX) != 0) {
      ::close(fd_);
      throw share_error("cannot lock", path_);
    }
    if (same_file(fd_, path_)) return;
    ::close(fd_);
  }
  fd_ = -1;
  throw share_error("lock file keeps disappearing:", path_);
}

ThreadShare::~ThreadShare() {
  if (fd_ < 0) return;
  ::unlink(path_.c_str());
  ::close(fd_);
}

int ThreadShare::live_processes() const {
  int live = 1;  // this process
  std::error_code ec;
  for (fs::directory_iterator it(folder_, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path p = it->path();
    if (p.extension() != kSuffix || p.string() == path_) continue;
    const int fd = ::open(p.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) continue;  // removed meanwhile
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0) {
      // Nobody holds it: its process has exited. Remove it while we hold the lock, unless a new
      // process has just taken the path over (it checks the inode after locking and retries).
      if (same_file(fd, p.string())) ::unlink(p.c_str());
    } else if (errno == EWOULDBLOCK) {
      ++live;
    }
    ::close(fd);
  }
  return live;
}

std::string default_thread_share_folder() {
  if (const char* env = std::getenv("PROMPTLAB_RUNTIME_DIR"); env && *env) return env;
  if (const char* xdg = std::getenv("XDG_RUNTIME_DIR"); xdg && *xdg) return (fs::path(xdg) / "promptlab").string();
  return "/tmp/promptlab-" + std::to_string(::getuid());
}

int fair_threads(unsigned cores, int processes) {
  return std::max(1, static_cast<int>(std::max(1u, cores)) / std::max(1, processes));
}

namespace {

struct Policy {
  std::mutex mutex;
  std::unique_ptr<ThreadShare> share;  // set in the fair-share mode
  int fixed = 0;
};

Policy& policy() {
  static Policy p;
  return p;
}

int apply_locked(Policy& p) {
  int n = p.fixed;
  if (n <= 0) n = fair_threads(std::thread::hardware_concurrency(), p.share ? p.share->live_processes() : 1);
  if (at::get_num_threads() != n) at::set_num_threads(n);
  return n;
}

}  // namespace

void set_thread_policy(int requested) {
  Policy& p = policy();
  std::lock_guard<std::mutex> lock(p.mutex);
  p.fixed = std::max(0, requested);
  if (p.fixed == 0 && !p.share) {
    try {
      p.share = std::make_unique<ThreadShare>(default_thread_share_folder());
    } catch (const std::exception& e) {
      // Without the set, this process cannot see the others: it takes every core, as a lone run would.
      std::fprintf(stderr, "promptlab: warning: %s; using all cores (set --threads or PROMPTLAB_RUNTIME_DIR)\n", e.what());
    }
  }
  apply_locked(p);
}

ThreadShareAbsence::ThreadShareAbsence() {
  Policy& p = policy();
  std::lock_guard<std::mutex> lock(p.mutex);
  if (p.fixed == 0 && p.share) {
    p.share.reset();  // removes this process's lock file
    left_ = true;
  }
}

ThreadShareAbsence::~ThreadShareAbsence() {
  if (!left_) return;
  Policy& p = policy();
  std::lock_guard<std::mutex> lock(p.mutex);
  try {
    p.share = std::make_unique<ThreadShare>(default_thread_share_folder());
  } catch (const std::exception&) {
    // It joined this folder before; if it cannot now, it computes as a lone run would.
  }
  apply_locked(p);
}

int rebalance_threads() {
  Policy& p = policy();
  std::lock_guard<std::mutex> lock(p.mutex);
  if (p.fixed == 0 && !p.share) return at::get_num_threads();  // no policy set: leave LibTorch alone
  return apply_locked(p);
}

}  // namespace promptlab

// The host-wide set of computing promptlab processes and the fair thread share.
#include "util/thread_share.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

namespace promptlab {
namespace {
namespace fs = std::filesystem;

fs::path fresh_folder(const std::string& name) {
  fs::path dir = fs::temp_directory_path() / ("thread_share_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  return dir;
}

// Forks a child that joins the set in `folder`, writes a byte to `ready` once it has, then waits
// for a byte on `release` (or is killed). (Not EOF: later children inherit the write end.)
struct Member {
  pid_t pid = -1;
  int release_w = -1;
  explicit Member(const std::string& folder) {
    int ready[2], release[2];
    EXPECT_EQ(::pipe(ready), 0);
    EXPECT_EQ(::pipe(release), 0);
    pid = ::fork();
    if (pid == 0) {
      ::close(ready[0]);
      ::close(release[1]);
      {
        ThreadShare share(folder);
        char c = 1;
        if (::write(ready[1], &c, 1) != 1) ::_exit(3);
        if (::read(release[0], &c, 1) != 1) ::_exit(4);
      }
      ::_exit(0);
    }
    ::close(ready[1]);
    ::close(release[0]);
    release_w = release[1];
    char c = 0;
    EXPECT_EQ(::read(ready[0], &c, 1), 1);
    ::close(ready[0]);
  }
  void leave() {
    const char c = 1;
    EXPECT_EQ(::write(release_w, &c, 1), 1);
    ::close(release_w);
    int status = 0;
    ::waitpid(pid, &status, 0);
  }
  void kill9() {
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    ::close(release_w);
  }
};

std::size_t lock_files(const fs::path& folder) {
  std::size_t n = 0;
  for (const auto& e : fs::directory_iterator(folder)) n += e.path().extension() == ".lock";
  return n;
}

TEST(ThreadShare, FairThreadsDividesTheCoresAndKeepsOne) {
  EXPECT_EQ(fair_threads(16, 1), 16);
  EXPECT_EQ(fair_threads(16, 4), 4);
  EXPECT_EQ(fair_threads(16, 5), 3);
  EXPECT_EQ(fair_threads(2, 4), 1);
  EXPECT_EQ(fair_threads(0, 1), 1);  // hardware_concurrency() may say 0
  EXPECT_EQ(fair_threads(8, 0), 8);
}

TEST(ThreadShare, CountsLiveMembersAndForgetsOnesThatLeaveOrDie) {
  const fs::path folder = fresh_folder("count");
  ThreadShare self(folder.string());
  EXPECT_EQ(self.live_processes(), 1);
  Member a(folder.string()), b(folder.string()), c(folder.string());
  EXPECT_EQ(self.live_processes(), 4);
  a.leave();
  EXPECT_EQ(self.live_processes(), 3);
  b.kill9();  // its lock file stays behind, unlocked
  EXPECT_EQ(lock_files(folder), 3u);
  EXPECT_EQ(self.live_processes(), 2);
  EXPECT_EQ(lock_files(folder), 2u);  // the dead one's file was removed on the way
  c.leave();
  EXPECT_EQ(self.live_processes(), 1);
  fs::remove_all(folder);
}

TEST(ThreadShare, StaleFileOfAReusedPidIsTakenOver) {
  const fs::path folder = fresh_folder("stale");
  fs::create_directories(folder);
  std::ofstream(folder / (std::to_string(::getpid()) + ".lock")) << "left by a process that had this pid";
  std::ofstream(folder / "notes.txt") << "not a lock file";
  ThreadShare self(folder.string());
  EXPECT_EQ(self.live_processes(), 1);
  EXPECT_TRUE(fs::exists(folder / "notes.txt"));
  fs::remove_all(folder);
}

TEST(ThreadShare, UnusableFolderIsNamed) {
  const fs::path file = fresh_folder("file");
  std::ofstream(file.string()) << "a file where the folder should be";
  try {
    ThreadShare share(file.string());
    FAIL() << "a file was accepted as the folder";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(file.string()), std::string::npos) << e.what();
  }
  fs::remove(file);
}

TEST(ThreadShare, DefaultFolderFollowsTheEnvironment) {
  const char* names[2] = {"PROMPTLAB_RUNTIME_DIR", "XDG_RUNTIME_DIR"};
  std::string saved[2];
  bool had[2];
  for (int i = 0; i < 2; ++i) {
    const char* v = std::getenv(names[i]);
    had[i] = v != nullptr;
    if (v) saved[i] = v;
  }
  ::setenv("PROMPTLAB_RUNTIME_DIR", "/somewhere/runtime", 1);
  EXPECT_EQ(default_thread_share_folder(), "/somewhere/runtime");
  ::unsetenv("PROMPTLAB_RUNTIME_DIR");
  ::setenv("XDG_RUNTIME_DIR", "/run/user/7", 1);
  EXPECT_EQ(default_thread_share_folder(), "/run/user/7/promptlab");
  ::unsetenv("XDG_RUNTIME_DIR");
  EXPECT_EQ(default_thread_share_folder(), "/tmp/promptlab-" + std::to_string(::getuid()));
  for (int i = 0; i < 2; ++i) {
    if (had[i]) ::setenv(names[i], saved[i].c_str(), 1);
  }
}

}  // namespace
}  // namespace promptlab

namespace promptlab {
namespace {

// A process waiting for another's work steps out of the set, so the worker takes the cores, and
// steps back in afterwards. Run in a child: the policy is process-wide.
TEST(ThreadShare, AnAbsentProcessIsNotCountedAndRejoins) {
  const fs::path folder = fresh_folder("absence");
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::setenv("PROMPTLAB_RUNTIME_DIR", folder.c_str(), 1);
    const fs::path mine = folder / (std::to_string(::getpid()) + ".lock");
    set_thread_policy(0);
    int code = fs::exists(mine) ? 0 : 1;
    {
      ThreadShareAbsence away;
      if (fs::exists(mine)) code |= 2;
    }
    if (!fs::exists(mine)) code |= 4;
    set_thread_policy(1);  // a fixed count: the absence does nothing
    {
      ThreadShareAbsence away;
      if (!fs::exists(mine)) code |= 8;
    }
    std::_Exit(code);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "1: not joined, 2: still counted while absent, 4: did not rejoin, "
                                       "8: left the set under a fixed count";
  fs::remove_all(folder);
}

}  // namespace
}  // namespace promptlab

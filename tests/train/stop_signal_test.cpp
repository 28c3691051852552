// The stop flag: the first SIGINT/SIGTERM raises it, the second exits at once with 130;
// PROMPTLAB_STOP_AT raises it at a named point.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>

#include "train/stop_signal.hpp"

namespace promptlab {
namespace {

// Runs `body` in a child process; returns its wait status.
template <typename F>
int in_child(F body) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    body();
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return status;
}

TEST(StopSignal, FirstSignalRaisesTheFlagSecondExitsAt130) {
  const int status = in_child([] {
    install_stop_handlers();
    ::raise(SIGINT);
    if (!stop_flag().load()) ::_exit(3);  // the first signal must only raise the flag
    ::raise(SIGTERM);
    ::_exit(4);  // not reached: the second signal exits
  });
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 130);
}

TEST(StopSignal, StopAtNamesItsPoint) {
  const int status = in_child([] {
    ::setenv("PROMPTLAB_STOP_AT", "step:2:3", 1);
    stop_point("step", 2, 2);
    stop_point("epoch", 2);
    if (stop_flag().load()) ::_exit(5);
    stop_point("step", 2, 3);
    ::_exit(stop_flag().load() ? 0 : 6);
  });
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace promptlab

// temp_path_beside: beside the file, and distinct per host and process.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "util/subprocess.hpp"
#include "util/temp_path.hpp"

namespace promptlab {
namespace {

TEST(TempPath, BesideTheFileAndNamedForHostAndProcess) {
  const std::string t = temp_path_beside("/data/cache/features.bin");
  EXPECT_EQ(std::filesystem::path(t).parent_path(), "/data/cache");
  EXPECT_EQ(t.rfind("/data/cache/features.bin.tmp.", 0), 0u) << t;
  char host[256] = {0};
  ::gethostname(host, sizeof(host) - 1);
  EXPECT_NE(t.find(std::string(".") + host + "."), std::string::npos) << t;
  EXPECT_EQ(t.substr(t.rfind('.') + 1), std::to_string(::getpid()));
  // Another process gets another name.
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t child = ::fork();
  if (child == 0) {
    const std::string mine = temp_path_beside("/data/cache/features.bin");
    (void)!::write(fds[1], mine.data(), mine.size());
    ::_exit(0);
  }
  ::close(fds[1]);
  char buf[512] = {0};
  const ssize_t n = ::read(fds[0], buf, sizeof(buf) - 1);
  ::close(fds[0]);
  ::waitpid(child, nullptr, 0);
  ASSERT_GT(n, 0);
  EXPECT_NE(std::string(buf, static_cast<std::size_t>(n)), t);
}

TEST(Subprocess, CapturesOutputErrorsAndExitCode) {
  const CommandResult r = run_command({"sh", "-c", "echo out; echo err >&2; exit 3"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.out, "out\n");
  EXPECT_EQ(r.err, "err\n");
  // More than a pipe holds on both streams at once does not stall.
  const CommandResult big = run_command({"sh", "-c", "head -c 200000 /dev/zero; head -c 200000 /dev/zero >&2"});
  EXPECT_EQ(big.exit_code, 0);
  EXPECT_EQ(big.out.size(), 200000u);
  EXPECT_EQ(big.err.size(), 200000u);
  const CommandResult missing = run_command({"promptlab-no-such-program-anywhere"});
  EXPECT_EQ(missing.exit_code, 127);
  EXPECT_NE(missing.err.find("promptlab-no-such-program-anywhere"), std::string::npos) << missing.err;
  EXPECT_THROW(run_command({}), std::invalid_argument);
}

}  // namespace
}  // namespace promptlab

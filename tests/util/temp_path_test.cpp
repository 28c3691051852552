// temp_path_beside: beside the file, and distinct per host and process.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

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

TEST(TempPath, WriteFileAtomicallyReplacesWholeWithTheModeAndKeepsTheOldFileOnFailure) {
  namespace fs = std::filesystem;
  const char* root = std::getenv("PROMPTLAB_TEST_TMP");
  const fs::path dir = fs::path(root ? root : "/tmp") / ("atomic_write_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string file = (dir / "f.txt").string();
  write_file_atomically(file, "first");
  write_file_atomically(file, std::string("sec\0ond", 7), 0750);
  std::ifstream in(file, std::ios::binary);
  const std::string back((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(back, std::string("sec\0ond", 7));
  EXPECT_EQ(fs::status(file).permissions() & fs::perms::mask, static_cast<fs::perms>(0750));
  // Into a folder that does not exist: an error naming the file, and no temporary left behind.
  const std::string nowhere = (dir / "missing" / "g.txt").string();
  try {
    write_file_atomically(nowhere, "x");
    ADD_FAILURE() << "no error for " << nowhere;
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(nowhere), std::string::npos) << e.what();
  }
  // A rename onto a folder fails: the folder stays, and the temporary is gone.
  fs::create_directories(dir / "taken");
  EXPECT_THROW(write_file_atomically((dir / "taken").string(), "x"), std::runtime_error);
  EXPECT_TRUE(fs::is_directory(dir / "taken"));
  std::size_t entries = 0;
  for (const auto& e : fs::directory_iterator(dir)) entries += e.path().filename().string().find(".tmp.") == std::string::npos ? 0 : 1;
  EXPECT_EQ(entries, 0u);
  fs::remove_all(dir);
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

// The exclusive file lock concurrent runs take turns with.
#include "util/file_lock.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <future>
#include <thread>

namespace promptlab {
namespace {
namespace fs = std::filesystem;

TEST(FileLock, ASecondHolderWaitsForTheFirst) {
  const fs::path path = fs::temp_directory_path() / ("file_lock_" + std::to_string(::getpid()) + ".lock");
  std::atomic<bool> released{false};
  std::atomic<bool> told_to_wait{false};
  auto first = std::make_unique<FileLock>(path.string());
  EXPECT_FALSE(first->waited());
  auto second = std::async(std::launch::async, [&] {
    // flock locks separate opens of a file, even in one process.
    FileLock lock(path.string(), [&] { told_to_wait = true; });
    EXPECT_TRUE(lock.waited());
    return released.load();
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  released = true;
  first.reset();
  EXPECT_TRUE(second.get()) << "the second holder got the lock before the first let it go";
  EXPECT_TRUE(told_to_wait);
  FileLock again(path.string());  // free once both are gone
  EXPECT_FALSE(again.waited());
  fs::remove(path);
}

TEST(FileLock, AnUncreatableFileIsNamed) {
  try {
    FileLock lock("/nonexistent-folder/x.lock");
    FAIL() << "locked a file in a folder that does not exist";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent-folder/x.lock"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace promptlab

// Replays every input kept under tests/fuzz/regressions/<target>/ (crashes the fuzzers found,
// and hand-written seeds) through the same entry the fuzzer uses. A file ending in ".accepted"
// must be accepted, ".rejected" refused with an error; neither may crash.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "fuzz/fuzz_entries.hpp"

namespace promptlab::fuzz {
namespace {

namespace fs = std::filesystem;

TEST(FuzzRegressions, EveryKeptInputGivesItsRecordedOutcome) {
  const fs::path root = fs::path(PROMPTLAB_SOURCE_DIR) / "tests" / "fuzz" / "regressions";
  int replayed = 0;
  for (const auto& target : fs::directory_iterator(root)) {
    const Entry entry = entry_named(target.path().filename().string());
    ASSERT_NE(entry, nullptr) << "no fuzz entry for folder " << target.path();
    for (const auto& file : fs::directory_iterator(target.path())) {
      const std::string ext = file.path().extension().string();
      ASSERT_TRUE(ext == ".accepted" || ext == ".rejected") << file.path() << ": name it *.accepted or *.rejected";
      std::ifstream in(file.path(), std::ios::binary);
      const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      EXPECT_EQ(entry(bytes.data(), bytes.size()), ext == ".accepted") << file.path();
      ++replayed;
    }
  }
  EXPECT_GE(replayed, 10);
}

}  // namespace
}  // namespace promptlab::fuzz

// `promptlab datasets`: the listing's columns line up whatever the length of a dataset's name.
#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "cli/cli_test_util.hpp"

using promptlab::test::run_cli;

namespace {

TEST(DatasetsCommand, ColumnsFitTheLongestName) {
  PROMPTLAB_REQUIRE_EMBEDDED_MODEL();
  const auto r = run_cli("datasets");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::istringstream lines(r.output);
  std::string line, header, longest;
  while (std::getline(lines, line)) {
    if (line.rfind("name ", 0) == 0) header = line;
    if (line.rfind("tiny_shapes_clutter ", 0) == 0) longest = line;  // the longest embedded name
  }
  ASSERT_FALSE(header.empty()) << r.output;
  ASSERT_FALSE(longest.empty()) << r.output;
  // The display column starts where its heading does, after at least two spaces.
  const auto display = header.find("display");
  ASSERT_NE(display, std::string::npos);
  ASSERT_GT(longest.size(), display);
  EXPECT_EQ(longest.substr(display - 2, 2), "  ") << longest;
  EXPECT_NE(longest[display], ' ') << longest;
  EXPECT_EQ(longest.find("embedded target", display), display) << longest;
}

}  // namespace

// `promptlab plugins` end to end: lists good fixtures, reports broken ones with their files.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <sstream>
#include <sys/wait.h>

#include "registry/registry_test_util.hpp"

namespace promptlab {
namespace {

struct Result {
  int code;
  std::string out;
};

Result run(const std::string& args) {
  const std::string cmd = std::string("env -u PROMPTLAB_PLUGIN_PATH '") + PROMPTLAB_CLI + "' " + args + " 2>&1";
  FILE* pipe = ::popen(cmd.c_str(), "r");
  Result r{-1, ""};
  if (!pipe) return r;
  std::array<char, 4096> buf{};
  while (std::size_t n = std::fread(buf.data(), 1, buf.size(), pipe)) r.out.append(buf.data(), n);
  const int status = ::pclose(pipe);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

TEST(PluginsCommandTest, ListsGoodAndReportsBrokenPlugins) {
  const Result r = run("--plugin-path " + test::fixture_case("good") + " --plugin-path " +
                       test::fixture_case("badapi") + " plugins");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(test::contains(r.out, "fixture_alpha 1.2.3")) << r.out;
  EXPECT_TRUE(test::contains(r.out, "fixture_beta 0.0.1")) << r.out;
  EXPECT_TRUE(test::contains(r.out, "alpha_learner")) << r.out;
  EXPECT_TRUE(test::contains(r.out, test::fixture_library("good", "fixture_alpha"))) << r.out;
  EXPECT_TRUE(test::contains(r.out, test::fixture_library("badapi", "fixture_badapi"))) << r.out;
  EXPECT_TRUE(test::contains(r.out, "built for API 99")) << r.out;
}

TEST(PluginsCommandTest, SearchPathFlagPrintsDirectoriesInOrder) {
  const Result r = run("--plugin-path /nonexistent/first plugins --search-path");
  EXPECT_EQ(r.code, 0) << r.out;
  const auto first = r.out.find("/nonexistent/first");
  const auto build = r.out.find(PROMPTLAB_BUILD_PLUGIN_DIR);
  ASSERT_NE(first, std::string::npos) << r.out;
  ASSERT_NE(build, std::string::npos) << r.out;
  EXPECT_LT(first, build);
}

TEST(PluginsCommandTest, OnlyBrokenPluginsExitNonZero) {
  const Result r = run("--plugin-path " + test::fixture_case("nosymbol") + " plugins");
  // Real plugins from the build tree may load too; exit 1 only when nothing loaded.
  if (test::contains(r.out, "0 plugins loaded")) {
    EXPECT_EQ(r.code, 1) << r.out;
  } else {
    EXPECT_EQ(r.code, 0) << r.out;
  }
  EXPECT_TRUE(test::contains(r.out, "promptlab_plugin_entry_v1")) << r.out;
}

}  // namespace
}  // namespace promptlab

namespace promptlab {
namespace {

TEST(PluginsCommandTest, DatasetsListsPluginDatasetsWithTheirOwner) {
  const Result r = run("--plugin-path " + test::fixture_case("good") + " datasets --data-root " +
                       test::fresh_dir("datasets_listing").string());
  EXPECT_EQ(r.code, 0) << r.out;
  // fixture_alpha's alpha_data: two classes, no items.
  bool listed = false;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("alpha_data ", 0) != 0) continue;
    listed = true;
    EXPECT_TRUE(test::contains(line, "fixture_alpha")) << line;
    EXPECT_TRUE(test::contains(line, "plugin")) << line;
    EXPECT_TRUE(test::contains(line, " 2 ")) << line;
    EXPECT_TRUE(test::contains(line, "ok")) << line;
  }
  EXPECT_TRUE(listed) << r.out;
  EXPECT_TRUE(test::contains(r.out, "tiny_shapes")) << r.out;  // the built-in rows are still there
}

}  // namespace
}  // namespace promptlab

// A new method as one small out-of-tree plugin: promptlab installed with `cmake --install`, the
// plugin in tests/cli/out_of_tree/ configured with find_package(promptlab) against that
// prefix and built, then run by promptlab beside the shipped methods.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/cli_test_util.hpp"

namespace promptlab {
namespace {
namespace fs = std::filesystem;

// Runs a shell command with its output in `log`; returns its exit status.
int shell(const std::string& command, const fs::path& log) {
  const int status = std::system((command + " > " + log.string() + " 2>&1").c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string text_of(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(OutOfTreePlugin, BuildsAgainstTheInstalledSdkAndRunsBesideTheShippedMethods) {
  PROMPTLAB_REQUIRE_EMBEDDED_MODEL();
  const fs::path dir = test::fresh_dir("out_of_tree_plugin");
  const fs::path prefix = dir / "prefix", build = dir / "build";
  const std::string cmake = std::string("\"") + PROMPTLAB_CMAKE + "\"";
  ASSERT_EQ(shell(cmake + " --install \"" + PROMPTLAB_BUILD_DIR + "\" --prefix \"" + prefix.string() + "\"",
                  dir / "install.log"), 0)
      << text_of(dir / "install.log");
  ASSERT_TRUE(fs::exists(prefix / "lib" / "cmake" / "promptlab" / "promptlabConfig.cmake"));
  ASSERT_TRUE(fs::exists(prefix / "include" / "promptlab" / "sharpness" / "sam_perturbation.hpp"));

  const std::string source = std::string(PROMPTLAB_SOURCE_DIR) + "/tests/cli/out_of_tree";
  ASSERT_EQ(shell(cmake + " -S \"" + source + "\" -B \"" + build.string() + "\" -G \"" + PROMPTLAB_CMAKE_GENERATOR +
                      "\" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=\"" + PROMPTLAB_CXX_COMPILER +
                      "\" -DCMAKE_PREFIX_PATH=\"" + prefix.string() + "\"",
                  dir / "configure.log"), 0)
      << text_of(dir / "configure.log");
  ASSERT_EQ(shell(cmake + " --build \"" + build.string() + "\"", dir / "build.log"), 0) << text_of(dir / "build.log");
  const fs::path plugins = build / "plugins";
  ASSERT_TRUE(fs::exists(plugins / "halfsam" / "libpromptlab_halfsam.so"));
  ASSERT_TRUE(fs::exists(plugins / "halfsam" / "plugin.toml"));

  const std::string with_plugin = "--plugin-path " + plugins.string() + " ";
  auto listed = test::run_cli(with_plugin + "plugins");
  ASSERT_EQ(listed.exit_code, 0) << listed.output;
  EXPECT_NE(listed.output.find("halfsam 0.1.0"), std::string::npos) << listed.output;
  EXPECT_EQ(listed.output.find("refused"), std::string::npos) << listed.output;

  const std::string db = (dir / "runs.db").string();
  auto run = test::run_cli(with_plugin + "run --method halfsam --dataset tiny_shapes --set train.epochs=1 "
                           "--set train.views=1 --threads 1 --db " + db);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  RunStore store(db);
  const auto runs = store.list_runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].method, "halfsam");
  EXPECT_EQ(runs[0].step_rule, "halfsam");
  EXPECT_EQ(runs[0].status, "finished") << runs[0].error;
  EXPECT_EQ(store.results(runs[0].id).size(), 2u);  // base and new
  fs::remove_all(dir);
}

}  // namespace
}  // namespace promptlab

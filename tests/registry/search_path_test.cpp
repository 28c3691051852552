// Search-path order: --plugin-path dirs, $PROMPTLAB_PLUGIN_PATH, then the build tree's plugins when
// promptlab runs uninstalled, else <prefix>/lib/promptlab/plugins.
#include "registry/plugin_host.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

#include "registry/registry_test_util.hpp"
#include "util/library_location.hpp"

namespace promptlab {
namespace {

namespace fs = std::filesystem;

// Sets PROMPTLAB_PLUGIN_PATH for one scope, restoring the previous value.
class ScopedPluginPath {
 public:
  explicit ScopedPluginPath(const char* value) {
    if (const char* old = std::getenv("PROMPTLAB_PLUGIN_PATH")) old_ = old, had_ = true;
    if (value) {
      ::setenv("PROMPTLAB_PLUGIN_PATH", value, 1);
    } else {
      ::unsetenv("PROMPTLAB_PLUGIN_PATH");
    }
  }
  ~ScopedPluginPath() {
    if (had_) {
      ::setenv("PROMPTLAB_PLUGIN_PATH", old_.c_str(), 1);
    } else {
      ::unsetenv("PROMPTLAB_PLUGIN_PATH");
    }
  }

 private:
  std::string old_;
  bool had_ = false;
};

std::ptrdiff_t index_of(const std::vector<std::string>& v, const std::string& s) {
  auto it = std::find(v.begin(), v.end(), s);
  return it == v.end() ? -1 : it - v.begin();
}

TEST(SearchPathTest, ExplicitThenEnvThenTheBuildTree) {
  ScopedPluginPath env("/env/one::/env/two");
  const auto path = PluginHost::search_path({"/explicit/a", "/explicit/b"});
  ASSERT_EQ(path.size(), 5u);
  EXPECT_EQ(path[0], "/explicit/a");
  EXPECT_EQ(path[1], "/explicit/b");
  EXPECT_EQ(path[2], "/env/one");  // empty entries are skipped
  EXPECT_EQ(path[3], "/env/two");
  const auto build = index_of(path, PROMPTLAB_BUILD_PLUGIN_DIR);
  ASSERT_EQ(build, 4) << "build tree plugin dir must follow the environment";
  // The tests run uninstalled: the configured install folder is not searched, so an install
  // elsewhere on this machine cannot shadow or duplicate the build's plugins.
  EXPECT_TRUE(running_from_build_tree());
  // The tests hold promptlab's code themselves (they link its objects, like the command).
  EXPECT_EQ(code_directory(), fs::canonical("/proc/self/exe").parent_path());
  EXPECT_EQ(installation_prefix(), code_directory().parent_path());
}

TEST(SearchPathTest, NoEnvironmentMeansExplicitThenDefaults) {
  ScopedPluginPath env(nullptr);
  const auto path = PluginHost::search_path({"/x"});
  ASSERT_EQ(path.size(), 2u);
  EXPECT_EQ(path[0], "/x");
  EXPECT_EQ(path[1], PROMPTLAB_BUILD_PLUGIN_DIR);
}

TEST(SearchPathTest, ScanFindsNestedAndFlatLibrariesOnly) {
  const auto dir = test::fresh_dir("scan");
  test::write_file(dir / "one" / "libpromptlab_one.so", "x");
  test::write_file(dir / "one" / "plugin.toml", "x");
  test::write_file(dir / "libpromptlab_flat.so", "x");
  test::write_file(dir / "libother.so", "x");                       // wrong prefix
  test::write_file(dir / "deep" / "deeper" / "libpromptlab_d.so", "x");  // two levels down
  test::write_file(dir / "notes.txt", "x");
  const auto found = PluginHost::scan_directory(dir.string());
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0], (dir / "one" / "libpromptlab_one.so").string());
  EXPECT_EQ(found[1], (dir / "libpromptlab_flat.so").string());
  EXPECT_TRUE(PluginHost::scan_directory((dir / "absent").string()).empty());
  fs::remove_all(dir);
}

TEST(SearchPathTest, EarlierDirectoryWinsForTheSameName) {
  // The env var is searched after explicit dirs: the explicit copy loads, the env copy is the
  // duplicate.
  const auto dir = test::fresh_dir("order");
  for (const char* sub : {"first", "second"}) {
    const fs::path d = dir / sub / "fixture_beta";
    fs::create_directories(d);
    fs::copy_file(test::fixture_library("good", "fixture_beta"), d / "libpromptlab_fixture_beta.so");
    fs::copy_file(test::fixture_case("good") + "/fixture_beta/plugin.toml", d / "plugin.toml");
  }
  // fixture_beta's method binds fixture_alpha's learner ([requires]): one copy of it, in "first".
  fs::create_directories(dir / "first" / "fixture_alpha");
  fs::copy_file(test::fixture_library("good", "fixture_alpha"), dir / "first" / "fixture_alpha" / "libpromptlab_fixture_alpha.so");
  fs::copy_file(test::fixture_case("good") + "/fixture_alpha/plugin.toml", dir / "first" / "fixture_alpha" / "plugin.toml");
  {
    ScopedPluginPath env((dir / "second").string().c_str());
    PluginHost host;
    host.load_all({(dir / "first").string()});
    std::string beta_path;
    for (const auto& p : host.plugins()) {
      if (p.manifest.name == "fixture_beta") beta_path = p.library_path;
    }
    EXPECT_TRUE(test::contains(beta_path, (dir / "first").string())) << beta_path;
    ASSERT_FALSE(host.errors().empty());
    EXPECT_TRUE(test::contains(host.errors().back().path, (dir / "second").string()));
  }
  {
    ScopedPluginPath env((dir / "first").string().c_str());
    PluginHost host;
    host.load_all({(dir / "second").string()});
    std::string beta_path;
    for (const auto& p : host.plugins()) {
      if (p.manifest.name == "fixture_beta") beta_path = p.library_path;
    }
    EXPECT_TRUE(test::contains(beta_path, (dir / "second").string())) << beta_path;
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace promptlab

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

// Installs the SDK from this build tree into `prefix`.
void install_sdk(const fs::path& prefix, const fs::path& logs) {
  const std::string cmake = std::string("\"") + PROMPTLAB_CMAKE + "\"";
  ASSERT_EQ(shell(cmake + " --install \"" + PROMPTLAB_BUILD_DIR + "\" --prefix \"" + prefix.string() + "\"",
                  logs / "install.log"), 0)
      << text_of(logs / "install.log");
  ASSERT_TRUE(fs::exists(prefix / "lib" / "cmake" / "promptlab" / "promptlabConfig.cmake"));
}

// Configures and builds the CMake project in `source` against the SDK installed in `prefix`. As one
// unity batch per target: each source file would otherwise parse LibTorch's headers on its own,
// and these builds are most of the suite's time on two cores.
void build_against(const fs::path& source, const fs::path& build, const fs::path& prefix, const fs::path& logs) {
  const std::string cmake = std::string("\"") + PROMPTLAB_CMAKE + "\"";
  const std::string name = source.filename().string();
  ASSERT_EQ(shell(cmake + " -S \"" + source.string() + "\" -B \"" + build.string() + "\" -G \"" +
                      PROMPTLAB_CMAKE_GENERATOR + "\" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=\"" +
                      PROMPTLAB_CXX_COMPILER + "\" -DCMAKE_UNITY_BUILD=ON -DCMAKE_PREFIX_PATH=\"" + prefix.string() + "\"",
                  logs / (name + "-configure.log")), 0)
      << text_of(logs / (name + "-configure.log"));
  ASSERT_EQ(shell(cmake + " --build \"" + build.string() + "\"", logs / (name + "-build.log")), 0)
      << text_of(logs / (name + "-build.log"));
}

TEST(OutOfTreePlugin, BuildsAgainstTheInstalledSdkAndRunsBesideTheShippedMethods) {
  PROMPTLAB_REQUIRE_EMBEDDED_MODEL();
  const fs::path dir = test::fresh_dir("out_of_tree_plugin");
  const fs::path prefix = dir / "prefix", build = dir / "build";
  ASSERT_NO_FATAL_FAILURE(install_sdk(prefix, dir));
  ASSERT_TRUE(fs::exists(prefix / "include" / "promptlab" / "sharpness" / "sam_perturbation.hpp"));
  ASSERT_NO_FATAL_FAILURE(
      build_against(fs::path(PROMPTLAB_SOURCE_DIR) / "tests" / "cli" / "out_of_tree", build, prefix, dir));
  // The installed promptlab, at a prefix it was not configured for, finds its own plugins there.
  const fs::path installed_cli = prefix / "bin" / "promptlab";
  ASSERT_EQ(shell("env -u PROMPTLAB_PLUGIN_PATH \"" + installed_cli.string() + "\" plugins --search-path",
                  dir / "installed-plugins.log"), 0)
      << text_of(dir / "installed-plugins.log");
  const std::string installed = text_of(dir / "installed-plugins.log");
  const std::string own_plugins = (fs::canonical(prefix) / "lib" / "promptlab" / "plugins").string();
  EXPECT_NE(installed.find("search path:\n  " + own_plugins + "\n\n"), std::string::npos) << installed;
  EXPECT_NE(installed.find(own_plugins + "/coop/libpromptlab_coop.so"), std::string::npos) << installed;
  EXPECT_NE(installed.find("gcscoop 0.1.0"), std::string::npos) << installed;
  EXPECT_EQ(installed.find("refused"), std::string::npos) << installed;

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

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream(path) << text;
}

// The installed SDK hides the host: a plugin that calls a host internal (here FNV-1a's hex64,
// declared by hand, since no installed header declares it) fails to link, naming the symbol,
// while one that calls an SDK function declared the same way links.
TEST(OutOfTreePlugin, TheHostsInternalsDoNotLinkTheSdkDoes) {
  const fs::path dir = test::fresh_dir("out_of_tree_internals");
  const fs::path prefix = dir / "prefix", source = dir / "reach", build = dir / "build";
  ASSERT_NO_FATAL_FAILURE(install_sdk(prefix, dir));
  fs::create_directories(source);
  write_text(source / "CMakeLists.txt",
             "cmake_minimum_required(VERSION 3.18)\n"
             "project(reach LANGUAGES CXX)\n"
             "set(CMAKE_CXX_STANDARD 17)\n"
             "find_package(promptlab REQUIRED)\n"
             "promptlab_add_plugin(uses_sdk SOURCES uses_sdk.cpp)\n"
             "promptlab_add_plugin(uses_host SOURCES uses_host.cpp)\n");
  write_text(source / "uses_sdk.cpp",
             "#include <string>\n"
             "namespace promptlab { std::string fill_template(const std::string&, const std::string&); }\n"
             "extern \"C\" int reach() { return static_cast<int>(promptlab::fill_template(\"a {}\", \"b\").size()); }\n");
  write_text(source / "uses_host.cpp",
             "#include <cstdint>\n#include <string>\n"
             "namespace promptlab { std::string hex64(std::uint64_t value); }\n"
             "extern \"C\" int reach() { return static_cast<int>(promptlab::hex64(7).size()); }\n");
  const std::string cmake = std::string("\"") + PROMPTLAB_CMAKE + "\"";
  ASSERT_EQ(shell(cmake + " -S \"" + source.string() + "\" -B \"" + build.string() + "\" -G \"" +
                      PROMPTLAB_CMAKE_GENERATOR + "\" -DCMAKE_CXX_COMPILER=\"" + PROMPTLAB_CXX_COMPILER +
                      "\" -DCMAKE_PREFIX_PATH=\"" + prefix.string() + "\"",
                  dir / "configure.log"), 0)
      << text_of(dir / "configure.log");
  EXPECT_EQ(shell(cmake + " --build \"" + build.string() + "\" --target promptlab_uses_sdk", dir / "sdk.log"), 0)
      << text_of(dir / "sdk.log");
  EXPECT_NE(shell(cmake + " --build \"" + build.string() + "\" --target promptlab_uses_host", dir / "host.log"), 0)
      << text_of(dir / "host.log");
  const std::string host_log = text_of(dir / "host.log");
  EXPECT_NE(host_log.find("undefined reference"), std::string::npos) << host_log;
  EXPECT_NE(host_log.find("hex64"), std::string::npos) << host_log;
  fs::remove_all(dir);
}

// Runs the built project's own tests (ctest); all must pass.
void expect_its_tests_pass(const fs::path& build, const fs::path& log) {
  EXPECT_EQ(shell(std::string("\"") + PROMPTLAB_CTEST + "\" --test-dir \"" + build.string() + "\" --output-on-failure", log),
            0)
      << text_of(log);
  EXPECT_NE(text_of(log).find("100% tests passed"), std::string::npos) << text_of(log);
}

// The examples/ plugins (KgCoOp: a learner with its own loss term; ProGrad: a step rule on two
// named terms and the zero-shot teacher; VPT: a learner that takes images and puts tokens into the
// vision transformer, and IVLP: tokens in the layers of both towers), each its own CMake project against the installed SDK:
// their unit tests pass, and their methods run and are tabled beside a shipped one.
TEST(OutOfTreePlugin, TheExamplesBuildPassTheirTestsAndJoinTheComparison) {
  PROMPTLAB_REQUIRE_EMBEDDED_MODEL();
  const fs::path dir = test::fresh_dir("out_of_tree_examples");
  const fs::path prefix = dir / "prefix";
  ASSERT_NO_FATAL_FAILURE(install_sdk(prefix, dir));
  std::string with_plugins;
  for (const std::string name : {"kgcoop", "prograd", "vpt"}) {
    const fs::path build = dir / ("build-" + name);
    ASSERT_NO_FATAL_FAILURE(build_against(fs::path(PROMPTLAB_SOURCE_DIR) / "examples" / name, build, prefix, dir));
    expect_its_tests_pass(build, dir / (name + "-ctest.log"));
    with_plugins += "--plugin-path " + (build / "plugins").string() + " ";
  }
  const std::string db = (dir / "runs.db").string();
  auto bench = test::run_cli(with_plugins + "bench --methods coop,kgcoop,prograd,vpt,ivlp --datasets tiny_shapes --seeds 1 "
                             "--set train.epochs=2 --set train.views=1 --threads 1 --db " + db);
  ASSERT_EQ(bench.exit_code, 0) << bench.output;
  auto table = test::run_cli(with_plugins + "results --db " + db);
  ASSERT_EQ(table.exit_code, 0) << table.output;
  for (const char* method : {"coop", "kgcoop", "prograd", "vpt", "ivlp"}) {
    EXPECT_NE(table.output.find(method), std::string::npos) << method << " missing from\n" << table.output;
  }
  RunStore store(db);
  int seen = 0;
  for (const auto& run : store.list_runs()) {
    EXPECT_EQ(run.status, "finished") << run.method << ": " << run.error;
    const auto epochs = store.epochs(run.id);
    ASSERT_EQ(epochs.size(), 2u) << run.method;
    const auto& values = epochs[0].values;
    if (run.method == "kgcoop") {
      ++seen;
      // The named term is stored per epoch, and with "ce" it makes up the loss.
      ASSERT_TRUE(values.count("loss_kg")) << "kgcoop stored no loss_kg";
      EXPECT_GT(values.at("loss_kg"), 0.0);
      EXPECT_NEAR(values.at("loss_ce") + values.at("loss_kg"), values.at("loss"), 1e-4);
    } else if (run.method == "prograd") {
      ++seen;
      ASSERT_TRUE(values.count("cos") && values.count("branch_projected") && values.count("loss_kl_to_zeroshot"));
      EXPECT_GE(values.at("loss_kl_to_zeroshot"), 0.0);
    } else if (run.method == "vpt" || run.method == "ivlp") {
      ++seen;
      EXPECT_EQ(store.results(run.id).size(), 2u);  // base and new, evaluated on images
    } else {
      EXPECT_EQ(values.count("loss_ce"), 0u) << "coop's single term is its loss";
    }
  }
  EXPECT_EQ(seen, 4);
  fs::remove_all(dir);
}

// `promptlab new-plugin` of each kind writes a project that builds against the installed SDK and
// passes its own test; the method skeleton runs, storing its loss term and its rule's metrics.
TEST(OutOfTreePlugin, NewPluginSkeletonsBuildPassTheirTestsAndRun) {
  PROMPTLAB_REQUIRE_EMBEDDED_MODEL();
  const fs::path dir = test::fresh_dir("new_plugin_skeletons");
  const fs::path prefix = dir / "prefix";
  ASSERT_NO_FATAL_FAILURE(install_sdk(prefix, dir));
  for (const std::string kind : {"learner", "step-rule", "method"}) {
    const std::string name = "my_" + std::string(kind == "step-rule" ? "rule" : kind);
    const fs::path source = dir / name;
    auto made = test::run_cli("new-plugin " + name + " --kind " + kind + " --dir " + source.string());
    ASSERT_EQ(made.exit_code, 0) << made.output;
    EXPECT_NE(made.output.find("wrote"), std::string::npos) << made.output;
    const fs::path build = dir / ("build-" + name);
    ASSERT_NO_FATAL_FAILURE(build_against(source, build, prefix, dir));
    expect_its_tests_pass(build, dir / (name + "-ctest.log"));
  }
  // The same name again would overwrite: refused, and the project is untouched.
  const auto before = text_of(dir / "my_method" / "plugin.toml");
  auto again = test::run_cli("new-plugin my_method --dir " + (dir / "my_method").string());
  EXPECT_NE(again.exit_code, 0);
  EXPECT_NE(again.output.find("not an empty folder"), std::string::npos) << again.output;
  EXPECT_EQ(text_of(dir / "my_method" / "plugin.toml"), before);

  const std::string db = (dir / "runs.db").string();
  auto run = test::run_cli("--plugin-path " + (dir / "build-my_method" / "plugins").string() +
                           " run --method my_method --dataset tiny_shapes --set train.epochs=3 --set train.views=1 "
                           "--threads 1 --db " + db);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  RunStore store(db);
  const auto runs = store.list_runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].status, "finished") << runs[0].error;
  const auto epochs = store.epochs(runs[0].id);
  ASSERT_EQ(epochs.size(), 3u);
  for (const char* metric : {"loss_drift", "grad_norm", "branch_clipped"}) {
    EXPECT_TRUE(epochs[2].values.count(metric)) << metric;
  }
  // Epoch 0 starts at the initial context; by epoch 2 (after the warm-up epoch) it has moved.
  EXPECT_GT(epochs[2].values.at("loss_drift"), epochs[0].values.at("loss_drift"));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace promptlab

// PluginHost loading REAL fixture plugins: the good ones, and each way a plugin can be refused.
#include "registry/plugin_host.hpp"

#include "promptlab/plugin.hpp"

#include <gtest/gtest.h>

#include "registry/registry_test_util.hpp"

namespace promptlab {
namespace {

using test::contains;
using test::fixture_case;
using test::fixture_library;
namespace fs = std::filesystem;

// The single error recorded for a file, failing the test when there is none.
std::string error_for(const PluginHost& host, const std::string& path) {
  for (const auto& e : host.errors()) {
    if (e.path == path) return e.reason;
  }
  ADD_FAILURE() << "no error recorded for " << path;
  return "";
}

class CountingObjective : public Objective {
 public:
  const std::vector<torch::Tensor>& parameters() const override { return params_; }
  torch::Tensor evaluate() override {
    ++calls;
    return torch::scalar_tensor(1.25);
  }
  std::vector<TermGradient> gradients(const std::vector<std::vector<std::string>>& groups) override {
    ++calls;
    return std::vector<TermGradient>(groups.size(), TermGradient{torch::scalar_tensor(1.25), {}});
  }
  const torch::Tensor& labels() const override { return none_; }
  const torch::Tensor& first_logits() const override { return none_; }
  int calls = 0;

 private:
  std::vector<torch::Tensor> params_;
  torch::Tensor none_;
};

TEST(PluginHostTest, GoodPluginRegistersEverythingItDeclares) {
  PluginHost host;
  ASSERT_TRUE(host.load_library(fixture_library("good", "fixture_alpha")));
  ASSERT_TRUE(host.errors().empty()) << host.errors().front().reason;
  ASSERT_EQ(host.plugins().size(), 1u);
  const auto& p = host.plugins()[0];
  EXPECT_EQ(p.manifest.name, "fixture_alpha");
  EXPECT_EQ(p.manifest.version, "1.2.3");
  EXPECT_EQ(p.manifest.description, "test fixture: one of each kind");
  EXPECT_TRUE(contains(p.library_path, "libpromptlab_fixture_alpha.so"));
  EXPECT_EQ(host.plugin_versions().at("fixture_alpha"), "1.2.3");

  EXPECT_EQ(host.method_names(), std::vector<std::string>{"alpha"});
  EXPECT_EQ(host.learner_names(), std::vector<std::string>{"alpha_learner"});
  EXPECT_EQ(host.step_rule_names(), std::vector<std::string>{"alpha_rule"});
  EXPECT_EQ(host.dataset_names(), std::vector<std::string>{"alpha_data"});
  EXPECT_EQ(host.owner_of_method("alpha"), "fixture_alpha");
  EXPECT_EQ(host.method("alpha").learner, "alpha_learner");
  EXPECT_EQ(host.method("alpha").step_rule, "alpha_rule");

  // Defaults come from [methods.alpha], flattened.
  const Config d = host.method_defaults("alpha");
  EXPECT_DOUBLE_EQ(d.get_double("alpha_rule.rho"), 0.05);
  EXPECT_DOUBLE_EQ(d.get_double("optim.lr"), 0.002);
  EXPECT_EQ(d.get_int("max_epoch"), 10);
  EXPECT_FALSE(d.get_bool("optim.nesterov"));

  // The factories build working objects from plugin code.
  LearnerContext ctx;
  ctx.classnames = {"a", "b", "c"};
  auto learner = host.make_learner("alpha_learner", ctx);
  ASSERT_TRUE(learner);
  torch::Tensor logits = learner->logits(torch::zeros({2, 8}));
  EXPECT_EQ(logits.sizes(), (std::vector<std::int64_t>{2, 3}));
  EXPECT_FLOAT_EQ(logits[1][2].item<float>(), 2.0f);

  auto rule = host.make_step_rule("alpha_rule", d);
  CountingObjective obj;
  const auto m = read_metrics(rule->compute_gradient(obj));
  EXPECT_EQ(obj.calls, 1);
  EXPECT_DOUBLE_EQ(m.at("loss"), 1.25);
  EXPECT_DOUBLE_EQ(m.at("rho"), 0.05);

  auto data = host.make_dataset("alpha_data", DatasetOptions{"/data"});
  EXPECT_EQ(data->classnames(), (std::vector<std::string>{"cat", "dog"}));
  EXPECT_EQ(data->content_key(), "alpha:/data");
}

TEST(PluginHostTest, WrongApiVersionIsRefusedWithBothVersions) {
  PluginHost host;
  const std::string path = fixture_library("badapi", "fixture_badapi");
  EXPECT_FALSE(host.load_library(path));
  const std::string why = error_for(host, path);
  EXPECT_TRUE(contains(why, path)) << why;
  EXPECT_TRUE(contains(why, "built for API 99, this promptlab speaks API " + std::to_string(kPluginApiVersion))) << why;
  EXPECT_TRUE(host.plugins().empty());
}

TEST(PluginHostTest, MissingEntrySymbolIsRefused) {
  PluginHost host;
  const std::string path = fixture_library("nosymbol", "fixture_nosymbol");
  EXPECT_FALSE(host.load_library(path));
  const std::string why = error_for(host, path);
  EXPECT_TRUE(contains(why, path)) << why;
  EXPECT_TRUE(contains(why, "promptlab_plugin_entry_v1")) << why;
}

TEST(PluginHostTest, ForeignBuildFingerprintIsRefused) {
  PluginHost host;
  const std::string path = fixture_library("fingerprint", "fixture_fingerprint");
  EXPECT_FALSE(host.load_library(path));
  const std::string why = error_for(host, path);
  EXPECT_TRUE(contains(why, path)) << why;
  EXPECT_TRUE(contains(why, "torch-1.0.0")) << why;
  EXPECT_TRUE(contains(why, PROMPTLAB_BUILD_FINGERPRINT)) << why;
}

TEST(PluginHostTest, ThrowingRegistrationIsReportedAndRolledBack) {
  PluginHost host;
  const std::string path = fixture_library("throwing", "fixture_throwing");
  EXPECT_FALSE(host.load_library(path));
  const std::string why = error_for(host, path);
  EXPECT_TRUE(contains(why, path)) << why;
  EXPECT_TRUE(contains(why, "out of cheese")) << why;
  // It registered "throwing_rule" before throwing; that must be gone.
  EXPECT_TRUE(host.step_rule_names().empty());
  EXPECT_TRUE(host.plugins().empty());
}

TEST(PluginHostTest, ManifestMismatchIsRefusedAndRolledBack) {
  PluginHost host;
  const std::string path = fixture_library("mismatch", "fixture_mismatch");
  EXPECT_FALSE(host.load_library(path));
  const std::string why = error_for(host, path);
  EXPECT_TRUE(contains(why, path)) << why;
  EXPECT_TRUE(contains(why, "undeclared_rule")) << why;
  EXPECT_TRUE(host.method_names().empty());
  EXPECT_TRUE(host.step_rule_names().empty());
}

TEST(PluginHostTest, NonLibraryFileIsRefused) {
  const auto dir = test::fresh_dir("junk");
  const auto path = (dir / "junk" / "libpromptlab_junk.so").string();
  test::write_file(path, "this is not an ELF file\n");
  test::write_file(dir / "junk" / "plugin.toml", "name = \"junk\"\nversion = \"1\"\n");
  PluginHost host;
  EXPECT_FALSE(host.load_library(path));
  const std::string why = error_for(host, path);
  EXPECT_TRUE(contains(why, path)) << why;
  EXPECT_TRUE(contains(why, "shared library")) << why;
  fs::remove_all(dir);
}

TEST(PluginHostTest, DuplicatePluginNameFirstWins) {
  // A second copy of the good plugin in a later directory.
  const auto dir = test::fresh_dir("dup");
  const fs::path copy_dir = dir / "fixture_alpha";
  fs::create_directories(copy_dir);
  fs::copy_file(fixture_library("good", "fixture_alpha"), copy_dir / "libpromptlab_fixture_alpha.so");
  fs::copy_file(fixture_case("good") + "/fixture_alpha/plugin.toml", copy_dir / "plugin.toml");
  PluginHost host;
  host.load_all({fixture_case("good"), dir.string()});
  ASSERT_EQ(host.plugin_versions().count("fixture_alpha"), 1u);
  const std::string copy = (copy_dir / "libpromptlab_fixture_alpha.so").string();
  const std::string why = error_for(host, copy);
  EXPECT_TRUE(contains(why, "duplicate plugin 'fixture_alpha'")) << why;
  EXPECT_TRUE(contains(why, copy)) << why;
  for (const auto& p : host.plugins()) {
    if (p.manifest.name == "fixture_alpha") {
      EXPECT_TRUE(contains(p.library_path, fixture_case("good"))) << p.library_path;
    }
  }
  fs::remove_all(dir);
}

TEST(PluginHostTest, ManifestProblemsNameTheFile) {
  const auto dir = test::fresh_dir("manifest");
  const std::string lib = fixture_library("good", "fixture_beta");
  auto stage = [&](const std::string& sub, const char* manifest) {
    fs::create_directories(dir / sub);
    const fs::path so = dir / sub / "libpromptlab_fixture_beta.so";
    fs::copy_file(lib, so);
    if (manifest) test::write_file(dir / sub / "plugin.toml", manifest);
    return so.string();
  };
  const std::string missing = stage("missing", nullptr);
  const std::string broken = stage("broken", "name = \"fixture_beta\"\nversion = \n");
  const std::string renamed = stage("renamed", "name = \"other\"\nversion = \"0.0.1\"\n");
  PluginHost host;
  EXPECT_FALSE(host.load_library(missing));
  EXPECT_FALSE(host.load_library(broken));
  EXPECT_FALSE(host.load_library(renamed));
  EXPECT_TRUE(contains(error_for(host, missing), "plugin.toml is missing"));
  const std::string why_broken = error_for(host, broken);
  EXPECT_TRUE(contains(why_broken, (dir / "broken" / "plugin.toml").string() + ":2")) << why_broken;
  const std::string why_renamed = error_for(host, renamed);
  EXPECT_TRUE(contains(why_renamed, "'other'") && contains(why_renamed, "'fixture_beta'")) << why_renamed;
  EXPECT_TRUE(host.plugins().empty());
  fs::remove_all(dir);
}

TEST(PluginHostTest, APluginWhoseRequirementIsMissingIsUnloadedNamingIt) {
  // fixture_beta's method binds fixture_alpha's learner; without fixture_alpha it cannot run.
  const auto dir = test::fresh_dir("requires");
  fs::create_directories(dir / "fixture_beta");
  fs::copy_file(fixture_library("good", "fixture_beta"), dir / "fixture_beta" / "libpromptlab_fixture_beta.so");
  fs::copy_file(fixture_case("good") + "/fixture_beta/plugin.toml", dir / "fixture_beta" / "plugin.toml");
  const std::string lib = (dir / "fixture_beta" / "libpromptlab_fixture_beta.so").string();
  PluginHost host;
  ASSERT_TRUE(host.load_library(lib));
  host.check_requirements();
  EXPECT_EQ(host.plugin_versions().count("fixture_beta"), 0u);
  EXPECT_THROW(host.method("beta"), std::exception);
  const std::string why = error_for(host, lib);
  EXPECT_TRUE(contains(why, "plugin 'fixture_beta' requires learner 'alpha_learner'")) << why;
  EXPECT_TRUE(contains(why, "which no loaded plugin provides")) << why;
  // With the plugin that provides it, both load.
  PluginHost both;
  ASSERT_TRUE(both.load_library(lib));
  ASSERT_TRUE(both.load_library(fixture_library("good", "fixture_alpha")));
  both.check_requirements();
  EXPECT_TRUE(both.errors().empty()) << both.errors().front().reason;
  EXPECT_EQ(both.method("beta").learner, "alpha_learner");
  fs::remove_all(dir);
}

TEST(PluginHostTest, AMethodBindingAnUndeclaredForeignLearnerIsRefused) {
  const auto dir = test::fresh_dir("undeclared_requires");
  fs::create_directories(dir / "fixture_beta");
  const fs::path so = dir / "fixture_beta" / "libpromptlab_fixture_beta.so";
  fs::copy_file(fixture_library("good", "fixture_beta"), so);
  test::write_file(dir / "fixture_beta" / "plugin.toml",
                   "name = \"fixture_beta\"\nversion = \"0.0.1\"\n[provides]\nmethods = [\"beta\"]\n");
  PluginHost host;
  ASSERT_TRUE(host.load_library(fixture_library("good", "fixture_alpha")));
  EXPECT_FALSE(host.load_library(so.string()));
  const std::string why = error_for(host, so.string());
  EXPECT_TRUE(contains(why, "method 'beta' binds learner 'alpha_learner', which it neither provides nor lists in "
                            "[requires].learners")) << why;
  EXPECT_THROW(host.method("beta"), std::exception);
  fs::remove_all(dir);
}

TEST(PluginHostTest, GoodPluginsLoadAlongsideBrokenOnes) {
  const auto dir = test::fresh_dir("mixed");
  test::write_file(dir / "libpromptlab_garbage.so", std::string("\x7f" "ELF garbage", 12));
  PluginHost host;
  host.load_all({fixture_case("badapi"), fixture_case("nosymbol"), fixture_case("throwing"),
                 fixture_case("good"), fixture_case("mismatch"), fixture_case("fingerprint"),
                 dir.string()});
  const auto versions = host.plugin_versions();
  EXPECT_EQ(versions.count("fixture_alpha"), 1u);
  EXPECT_EQ(versions.count("fixture_beta"), 1u);
  EXPECT_EQ(versions.count("fixture_throwing"), 0u);
  EXPECT_EQ(versions.count("fixture_mismatch"), 0u);
  for (const auto* name : {"fixture_badapi", "fixture_nosymbol", "fixture_throwing",
                           "fixture_mismatch", "fixture_fingerprint"}) {
    const std::string c = std::string(name).substr(8);
    const std::string path = fixture_library(c, name);
    EXPECT_TRUE(contains(error_for(host, path), path)) << name;
  }
  EXPECT_TRUE(contains(error_for(host, (dir / "libpromptlab_garbage.so").string()), "garbage"));
  EXPECT_NO_THROW(host.method("alpha"));
  EXPECT_NO_THROW(host.method("beta"));
  EXPECT_EQ(host.owner_of_method("beta"), "fixture_beta");
  EXPECT_TRUE(host.method_defaults("beta").entries().empty());
  fs::remove_all(dir);
}

TEST(PluginHostTest, RegistrationCollidingWithBuiltinIsRolledBack) {
  PluginHost host;
  host.begin_builtin();
  host.add_learner("alpha_learner", [](const LearnerContext&) { return std::shared_ptr<Learner>(); });
  const std::string path = fixture_library("good", "fixture_alpha");
  EXPECT_FALSE(host.load_library(path));
  const std::string why = error_for(host, path);
  EXPECT_TRUE(contains(why, "duplicate learner 'alpha_learner'")) << why;
  EXPECT_TRUE(contains(why, "'promptlab'") && contains(why, "'fixture_alpha'")) << why;
  EXPECT_EQ(host.owner_of_learner("alpha_learner"), "promptlab");
  EXPECT_TRUE(host.step_rule_names().empty());
  EXPECT_TRUE(host.method_names().empty());
}

TEST(PluginHostTest, LoadingTheSameFileTwiceIsHarmless) {
  PluginHost host;
  EXPECT_TRUE(host.load_library(fixture_library("good", "fixture_beta")));
  EXPECT_TRUE(host.load_library(fixture_library("good", "fixture_beta")));
  host.load_all({fixture_case("good"), fixture_case("good")});
  // The build tree's shipped plugins load too; of the fixtures, beta and alpha load once each.
  std::size_t fixtures = 0;
  for (const auto& p : host.plugins()) fixtures += p.manifest.name.rfind("fixture_", 0) == 0 ? 1 : 0;
  EXPECT_EQ(fixtures, 2u);
  EXPECT_TRUE(host.errors().empty()) << host.errors().front().reason;
}

TEST(PluginHostTest, SeparateHostsReloadIndependently) {
  // Libraries stay mapped after a host dies; a new host loads and uses them again.
  for (int i = 0; i < 2; ++i) {
    PluginHost host;
    ASSERT_TRUE(host.load_library(fixture_library("good", "fixture_alpha")));
    LearnerContext ctx;
    ctx.classnames = {"x"};
    EXPECT_EQ(host.make_learner("alpha_learner", ctx)->logits(torch::zeros({1, 4})).size(1), 1);
  }
}

}  // namespace
}  // namespace promptlab

// plugin.toml parsing and the [provides] check.
#include "registry/manifest.hpp"

#include <gtest/gtest.h>

#include "registry/registry_test_util.hpp"

namespace promptlab {
namespace {

using test::contains;

const char* kManifest = R"(
name = "gcscoop"
version = "0.1.0"
description = "GCSAM"
paper = "arXiv"
[provides]
learners = []
step_rules = ["gcsam"]
methods = ["gcscoop"]
datasets = []
[methods.gcscoop]
"gcsam.rho" = 0.1
[methods.gcscoop.optim]
lr = 0.002
max_epoch = 50
)";

std::string error_of(const std::string& text) {
  try {
    parse_manifest(text, "m.toml");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(ManifestTest, ParsesEveryField) {
  const PluginManifest m = parse_manifest(kManifest, "plugins/gcscoop/plugin.toml");
  EXPECT_EQ(m.name, "gcscoop");
  EXPECT_EQ(m.version, "0.1.0");
  EXPECT_EQ(m.description, "GCSAM");
  EXPECT_EQ(m.paper, "arXiv");
  EXPECT_EQ(m.path, "plugins/gcscoop/plugin.toml");
  EXPECT_TRUE(m.learners.empty());
  EXPECT_EQ(m.step_rules, std::vector<std::string>{"gcsam"});
  EXPECT_EQ(m.methods, std::vector<std::string>{"gcscoop"});
  const Config& d = m.method_defaults.at("gcscoop");
  EXPECT_DOUBLE_EQ(d.get_double("gcsam.rho"), 0.1);
  EXPECT_DOUBLE_EQ(d.get_double("optim.lr"), 0.002);
  EXPECT_EQ(d.get_int("optim.max_epoch"), 50);
  EXPECT_EQ(d.entries().size(), 3u);
}

TEST(ManifestTest, ErrorsNameTheFileAndProblem) {
  EXPECT_TRUE(contains(error_of("version = \"1\"\n"), "m.toml: plugin manifest lacks 'name'"));
  EXPECT_TRUE(contains(error_of("name = 3\nversion = \"1\"\n"), "m.toml:1"));
  EXPECT_TRUE(contains(error_of("name = \"a\"\nversion = \"1\"\n[provides]\nmethods = \"m\"\n"),
                       "provides.methods"));
  EXPECT_TRUE(contains(error_of("name = \"a\"\nversion = \"1\"\n[methods.zz]\nx = 1\n"),
                       "[methods.zz]"));
  EXPECT_TRUE(contains(error_of("name = \"a\"\nversion = \"1\"\n[provides\n"), "m.toml:3"));
}

TEST(ManifestTest, CompareWithRegistrationsReportsBothDirections) {
  const PluginManifest m = parse_manifest(kManifest, "m.toml");
  Registered ok{{}, {"gcsam"}, {"gcscoop"}, {}};
  EXPECT_EQ(compare_with_manifest(m, ok), "");
  Registered bad{{"extra_learner"}, {}, {"gcscoop"}, {}};
  const std::string why = compare_with_manifest(m, bad);
  EXPECT_TRUE(contains(why, "declares step rule 'gcsam' but did not register it")) << why;
  EXPECT_TRUE(contains(why, "registered learner 'extra_learner' not declared")) << why;
}

TEST(ManifestTest, RequiresNamesWhatItsMethodsBindFromOtherPlugins) {
  const std::string text = std::string(kManifest) + "[requires]\nlearners = [\"coop\"]\nstep_rules = [\"sam\"]\n";
  const PluginManifest m = parse_manifest(text, "m.toml");
  EXPECT_EQ(m.required_learners, std::vector<std::string>{"coop"});
  EXPECT_EQ(m.required_step_rules, std::vector<std::string>{"sam"});
  EXPECT_TRUE(parse_manifest(kManifest, "m.toml").required_learners.empty());
  EXPECT_TRUE(contains(error_of("name = \"a\"\nversion = \"1\"\n[requires]\nmethods = [\"x\"]\n"),
                       "m.toml:4: unknown key 'requires.methods' (valid: learners, step_rules)"));
  EXPECT_TRUE(contains(error_of("name = \"a\"\nversion = \"1\"\n[requires]\nlearners = \"coop\"\n"),
                       "'requires.learners' must be an array of strings"));
  EXPECT_TRUE(contains(error_of("name = \"a\"\nversion = \"1\"\n[provides]\nlearner = []\n"),
                       "unknown key 'provides.learner'"));
}

TEST(ManifestTest, EveryMethodBindingIsProvidedRequiredOrTheFrameworks) {
  const std::string text = std::string(kManifest) + "[requires]\nlearners = [\"coop\"]\n";
  const PluginManifest m = parse_manifest(text, "m.toml");
  Registered ok{{}, {"gcsam"}, {"gcscoop"}, {}, {{"gcscoop", "coop", "gcsam", "", true}}};
  EXPECT_EQ(compare_with_manifest(m, ok), "");
  Registered plain{{}, {"gcsam"}, {"gcscoop"}, {}, {{"gcscoop", "coop", kPlainStepRule, "", true}}};
  EXPECT_EQ(compare_with_manifest(m, plain), "");
  Registered foreign{{}, {"gcsam"}, {"gcscoop"}, {}, {{"gcscoop", "cocoop", "sam", "", true}}};
  const std::string why = compare_with_manifest(m, foreign);
  EXPECT_TRUE(contains(why, "method 'gcscoop' binds learner 'cocoop', which it neither provides nor lists in "
                            "[requires].learners")) << why;
  EXPECT_TRUE(contains(why, "method 'gcscoop' binds step rule 'sam'")) << why;
  Registered builtin{{"cocoop"}, {"sam"}, {}, {}, {}};
  EXPECT_EQ(compare_with_manifest(m, foreign, builtin), "");
}

}  // namespace
}  // namespace promptlab

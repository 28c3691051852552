// `promptlab new-plugin`'s files: every kind fills the name in everywhere, holds a unit test and
// a manifest; bad names and kinds are refused by name; an existing folder is never written into.
// (tests/cli/out_of_tree_plugin_test.cpp builds the skeletons against the installed SDK.)
#include <gtest/gtest.h>

#include <fstream>

#include "registry/plugin_scaffold.hpp"
#include "registry/registry_test_util.hpp"

namespace promptlab {
namespace {

TEST(PluginScaffold, EachKindHoldsItsPiecesWithTheNameFilledIn) {
  const auto method = scaffold_files("my_rule2", ScaffoldKind::kMethod);
  for (const char* file : {"CMakeLists.txt", "plugin.toml", "my_rule2_plugin.cpp", "test/my_rule2_test.cpp",
                           "my_rule2_learner.hpp", "my_rule2_learner.cpp", "my_rule2_rule.hpp", "my_rule2_rule.cpp"}) {
    ASSERT_TRUE(method.count(file)) << file;
    EXPECT_FALSE(test::contains(method.at(file), "@")) << file << " still holds a placeholder";
  }
  EXPECT_TRUE(test::contains(method.at("my_rule2_learner.hpp"), "class MyRule2Learner"));
  EXPECT_TRUE(test::contains(method.at("my_rule2_plugin.cpp"), "{\"my_rule2\", \"my_rule2\", \"my_rule2\","));
  EXPECT_TRUE(test::contains(method.at("plugin.toml"), "\"my_rule2.weight\" = 0.1"));
  EXPECT_TRUE(test::contains(method.at("plugin.toml"), "\"my_rule2.max_norm\" = 1.0"));
  EXPECT_FALSE(test::contains(method.at("plugin.toml"), "[requires]"));

  const auto rule = scaffold_files("clipper", ScaffoldKind::kStepRule);
  EXPECT_FALSE(rule.count("clipper_learner.cpp"));
  EXPECT_TRUE(test::contains(rule.at("clipper_plugin.cpp"), "{\"clipper\", \"coop\", \"clipper\","));
  EXPECT_TRUE(test::contains(rule.at("plugin.toml"), "[requires]\nlearners = [\"coop\"]"));
  EXPECT_TRUE(test::contains(rule.at("test/clipper_test.cpp"), "ClipsTheGlobalNorm"));
  EXPECT_FALSE(test::contains(rule.at("test/clipper_test.cpp"), "DriftTerm"));

  const auto learner = scaffold_files("drifter", ScaffoldKind::kLearner);
  EXPECT_FALSE(learner.count("drifter_rule.cpp"));
  EXPECT_TRUE(test::contains(learner.at("drifter_plugin.cpp"), "{\"drifter\", \"drifter\", promptlab::kPlainStepRule,"));
  EXPECT_TRUE(test::contains(learner.at("plugin.toml"), "step_rules = []"));
}

TEST(PluginScaffold, BadNamesAndKindsAreRefusedByName) {
  for (const std::string& name : std::vector<std::string>{"", "MyMethod", "2nd", "my-method", "with space", std::string(41, 'a')}) {
    try {
      check_plugin_name(name);
      ADD_FAILURE() << "accepted \"" << name << "\"";
    } catch (const std::invalid_argument& e) {
      EXPECT_TRUE(test::contains(std::string(e.what()), "\"" + name + "\"")) << e.what();
    }
  }
  EXPECT_NO_THROW(check_plugin_name("kgcoop_v2"));
  EXPECT_EQ(parse_scaffold_kind("step-rule"), ScaffoldKind::kStepRule);
  try {
    parse_scaffold_kind("rule");
    ADD_FAILURE() << "accepted the kind \"rule\"";
  } catch (const std::invalid_argument& e) {
    EXPECT_TRUE(test::contains(std::string(e.what()), "\"rule\"")) << e.what();
  }
}

TEST(PluginScaffold, WritesIntoANewFolderAndNeverIntoAnOccupiedOne) {
  const auto dir = test::fresh_dir("plugin_scaffold");
  const auto written = write_scaffold(dir / "drifter", "drifter", ScaffoldKind::kLearner);
  EXPECT_EQ(written.size(), scaffold_files("drifter", ScaffoldKind::kLearner).size());
  EXPECT_TRUE(std::filesystem::exists(dir / "drifter" / "test" / "drifter_test.cpp"));

  std::filesystem::create_directories(dir / "occupied");
  { std::ofstream(dir / "occupied" / "notes.txt") << "keep me"; }
  try {
    write_scaffold(dir / "occupied", "drifter", ScaffoldKind::kMethod);
    FAIL() << "wrote into an occupied folder";
  } catch (const std::runtime_error& e) {
    EXPECT_TRUE(test::contains(std::string(e.what()), (dir / "occupied").string())) << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "occupied" / "CMakeLists.txt"));
  std::ifstream kept(dir / "occupied" / "notes.txt");
  std::string text;
  std::getline(kept, text);
  EXPECT_EQ(text, "keep me");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace promptlab

// Registry lookups: duplicates name both owners; unknown names list the valid ones and
// suggest the nearest.
#include "registry/plugin_host.hpp"

#include <gtest/gtest.h>

#include "registry/registry_test_util.hpp"

namespace promptlab {
namespace {

using test::contains;

class PlainRule : public StepRule {
 public:
  StepMetrics compute_gradient(Objective& obj) override { return {{"loss", obj.evaluate()}}; }
};

TEST(NamesTest, NearestNameByEditDistance) {
  const std::vector<std::string> valid{"coop", "cocoop", "gcscoop", "sam", "zeroshot"};
  EXPECT_EQ(nearest_name("gcscop", valid), "gcscoop");
  EXPECT_EQ(nearest_name("coop", valid), "coop");
  EXPECT_EQ(nearest_name("cocoopp", valid), "cocoop");
  EXPECT_EQ(nearest_name("zero_shot", valid), "zeroshot");
  EXPECT_EQ(nearest_name("sma", valid), "sam");
  EXPECT_EQ(nearest_name("transformer", valid), "");
  EXPECT_EQ(nearest_name("x", {}), "");
}

TEST(NamesTest, UnknownNameMessageListsValidNames) {
  const std::string msg = unknown_name_message("method", "gcscop", {"coop", "gcscoop"});
  EXPECT_EQ(msg, "unknown method 'gcscop'; valid: coop, gcscoop; did you mean 'gcscoop'?");
  const std::string far = unknown_name_message("dataset", "imagenet", {"caltech101"});
  EXPECT_EQ(far, "unknown dataset 'imagenet'; valid: caltech101");
  EXPECT_TRUE(contains(unknown_name_message("learner", "x", {}), "none registered"));
}

TEST(NamesTest, BuiltinsRegisterAndLookUp) {
  PluginHost host;
  host.begin_builtin();
  host.add_step_rule("sgd", [](const Config&) { return std::make_unique<PlainRule>(); });
  host.add_method({"zeroshot", "zeroshot_learner", "sgd", "hand-written prompts", false});
  EXPECT_EQ(host.owner_of_method("zeroshot"), "promptlab");
  EXPECT_EQ(host.owner_of_step_rule("sgd"), "promptlab");
  EXPECT_FALSE(host.method("zeroshot").trains);
  EXPECT_TRUE(host.method_defaults("zeroshot").entries().empty());
  EXPECT_NE(host.make_step_rule("sgd", Config{}), nullptr);
  EXPECT_TRUE(host.plugins().empty());
}

TEST(NamesTest, UnknownLookupsThrowWithSuggestion) {
  PluginHost host;
  host.begin_builtin();
  host.add_step_rule("sgd", [](const Config&) { return std::make_unique<PlainRule>(); });
  host.add_method({"coop", "coop", "sgd", "", true});
  try {
    host.method("coopp");
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_TRUE(contains(e.what(), "unknown method 'coopp'")) << e.what();
    EXPECT_TRUE(contains(e.what(), "did you mean 'coop'")) << e.what();
  }
  EXPECT_THROW(host.make_step_rule("sdg", Config{}), std::invalid_argument);
  EXPECT_THROW(host.make_learner("coop", LearnerContext{}), std::invalid_argument);
  EXPECT_THROW(host.make_dataset("pets", DatasetOptions{}), std::invalid_argument);
  EXPECT_THROW(host.owner_of_method("nope"), std::invalid_argument);
  try {
    host.make_step_rule("sdg", Config{});
  } catch (const std::invalid_argument& e) {
    EXPECT_TRUE(contains(e.what(), "step rule 'sdg'") && contains(e.what(), "'sgd'")) << e.what();
  }
}

TEST(NamesTest, DuplicateRegistrationNamesBothOwners) {
  PluginHost host;
  host.begin_builtin();
  host.add_method({"coop", "coop", "sgd", "", true});
  try {
    host.add_method({"coop", "other", "sgd", "", true});
    FAIL() << "expected a duplicate error";
  } catch (const std::invalid_argument& e) {
    EXPECT_TRUE(contains(e.what(), "duplicate method 'coop'")) << e.what();
    EXPECT_TRUE(contains(e.what(), "'promptlab'")) << e.what();
  }
  EXPECT_EQ(host.method("coop").learner, "coop");  // the first registration is kept
  EXPECT_THROW(host.add_step_rule("", [](const Config&) { return std::make_unique<PlainRule>(); }),
               std::invalid_argument);
  EXPECT_THROW(host.add_dataset("d", nullptr), std::invalid_argument);
}

}  // namespace
}  // namespace promptlab

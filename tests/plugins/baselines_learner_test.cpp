// Zero-shot and linear-probe learners.
#include <gtest/gtest.h>

#include "coop/linear_probe_learner.hpp"
#include "promptlab/prompt/template_text.hpp"
#include "coop/zeroshot_learner.hpp"
#include "tiny_clip.hpp"

namespace promptlab {
namespace {

using test::max_abs_diff;

class BaselineTest : public ::testing::Test {
 protected:
  LearnerContext context(std::vector<std::string> names) {
    LearnerContext ctx;
    ctx.clip = clip_;
    ctx.tokenizer = &tokenizer_;
    ctx.classnames = std::move(names);
    ctx.prompt_template = "{}, a pet.";
    return ctx;
  }
  torch::Tensor encoded(const std::vector<std::string>& texts) {
    std::vector<torch::Tensor> rows;
    for (const auto& t : texts) rows.push_back(torch::tensor(tokenizer_.tokenize(t, 16), torch::kLong));
    torch::Tensor f = clip_->encode_text(torch::stack(rows));
    return f / f.norm(2, -1, true);
  }
  Tokenizer tokenizer_ = test::tiny_tokenizer();
  ClipModel clip_ = test::tiny_clip();
};

TEST(TemplateText, FillsEveryPlaceholder) {
  EXPECT_EQ(fill_template("a photo of a {}.", "sea_lion"), "a photo of a sea lion.");
  EXPECT_EQ(fill_template("{} texture, {}", "dots"), "dots texture, dots");
  EXPECT_EQ(fill_template("", "dog"), "a photo of a dog.");
  EXPECT_THROW(fill_template("no placeholder", "dog"), std::invalid_argument);
}

TEST_F(BaselineTest, ZeroshotEqualsEncodeTextOfTheTemplate) {
  ZeroshotLearner learner(context({"dog", "sea_lion"}));
  EXPECT_TRUE(learner.trainable_parameters().empty());
  torch::Tensor want = encoded({"dog, a pet.", "sea lion, a pet."});
  EXPECT_LT(max_abs_diff(learner.text_features(), want), 1e-6);
  torch::Tensor f = torch::randn({3, 32});
  torch::Tensor logits = learner.logits(f);
  EXPECT_LT(max_abs_diff(logits, (1.0 / 0.07) * (f / f.norm(2, -1, true)).matmul(want.t())), 1e-4);
  learner.set_classnames({"cat"});
  EXPECT_LT(max_abs_diff(learner.text_features(), encoded({"cat, a pet."})), 1e-6);
}

TEST_F(BaselineTest, LinearProbeStartsAtZeroshotAndFallsBackForNewClasses) {
  ZeroshotLearner zs(context({"dog", "cat", "photo"}));
  LinearProbeLearner probe(context({"dog", "cat"}));
  ASSERT_EQ(probe.trainable_parameters().size(), 2u);
  torch::Tensor f = torch::randn({4, 32});
  EXPECT_LT(max_abs_diff(probe.logits(f), zs.logits(f).index({torch::indexing::Slice(), torch::indexing::Slice(0, 2)})),
            1e-4);
  {
    torch::NoGradGuard g;
    probe.weight()[1].add_(1.0);
    probe.bias()[1].fill_(2.0);
  }
  torch::Tensor learned_cat = probe.weight()[1].detach().clone();
  probe.set_classnames({"photo", "cat"});
  EXPECT_TRUE(torch::equal(probe.weight()[1].detach(), learned_cat));   // seen class keeps its row
  EXPECT_EQ(probe.bias()[1].item<float>(), 2.0f);
  torch::Tensor zs_photo = zs.text_features()[2] * (1.0 / 0.07);        // unseen class: zero-shot row
  EXPECT_LT(max_abs_diff(probe.weight()[0], zs_photo), 1e-4);
  EXPECT_EQ(probe.bias()[0].item<float>(), 0.0f);
  probe.set_classnames({"dog", "cat"});
  EXPECT_TRUE(torch::equal(probe.weight()[1].detach(), learned_cat));
}

}  // namespace
}  // namespace promptlab

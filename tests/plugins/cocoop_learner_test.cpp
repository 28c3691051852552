// CoCoOp: the batched text-encoder call equals the reference per-image loop.
#include "cocoop/cocoop_learner.hpp"

#include <gtest/gtest.h>

#include "tiny_clip.hpp"

namespace promptlab {
namespace {

using test::max_abs_diff;

class CocoopTest : public ::testing::Test {
 protected:
  LearnerContext context() {
    LearnerContext ctx;
    ctx.clip = clip_;
    ctx.tokenizer = &tokenizer_;
    ctx.classnames = {"dog", "sea_lion", "cat", "photo"};
    ctx.config.set("coop.n_ctx", std::int64_t{4});
    ctx.config.set("coop.init", std::string("a photo of a"));
    ctx.config.set("coop.class_token_position", std::string("end"));
    ctx.config.set("seed", std::int64_t{5});
    return ctx;
  }
  Tokenizer tokenizer_ = test::tiny_tokenizer();
  ClipModel clip_ = test::tiny_clip();
};

TEST_F(CocoopTest, ParametersAreContextAndMetaNet) {
  CocoopLearner learner(context());
  auto params = learner.trainable_parameters();
  ASSERT_EQ(params.size(), 5u);
  EXPECT_EQ(params[0].sizes(), (std::vector<std::int64_t>{4, 128}));
  EXPECT_EQ(params[1].sizes(), (std::vector<std::int64_t>{2, 32}));   // embed/16 hidden units
  EXPECT_EQ(params[3].sizes(), (std::vector<std::int64_t>{128, 2}));  // -> text width
  CocoopLearner again(context());
  EXPECT_TRUE(torch::equal(params[1], again.trainable_parameters()[1]));  // seeded
}

TEST_F(CocoopTest, BatchedLogitsAndGradientsEqualThePerImageLoop) {
  CocoopLearner learner(context());
  torch::manual_seed(11);
  torch::Tensor f = torch::randn({3, 32});
  torch::Tensor labels = torch::tensor({0, 3, 1}, torch::kLong);
  torch::Tensor batched = learner.logits(f);
  torch::Tensor looped = learner.logits_per_image_loop(f);
  ASSERT_EQ(batched.sizes(), (std::vector<std::int64_t>{3, 4}));
  EXPECT_LT(max_abs_diff(batched, looped), 1e-5);
  EXPECT_GT(batched.abs().max().item<double>(), 1e-2);

  auto params = learner.trainable_parameters();
  auto grads_of = [&](const torch::Tensor& logits) {
    for (auto& p : params) p.mutable_grad() = torch::Tensor();
    torch::nn::functional::cross_entropy(logits, labels).backward();
    std::vector<torch::Tensor> g;
    for (auto& p : params) g.push_back(p.grad().clone());
    return g;
  };
  auto g_batched = grads_of(batched);
  auto g_looped = grads_of(looped);
  for (std::size_t i = 0; i < params.size(); ++i) {
    EXPECT_LT(max_abs_diff(g_batched[i], g_looped[i]), 1e-5) << "parameter " << i;
    EXPECT_GT(g_batched[i].abs().max().item<double>(), 0.0) << "parameter " << i;
  }
}

TEST_F(CocoopTest, NewClassesKeepTheLearnedParameters) {
  CocoopLearner learner(context());
  torch::Tensor ctx = learner.context().detach().clone();
  learner.set_classnames({"cat", "dog"});
  EXPECT_TRUE(torch::equal(learner.context().detach(), ctx));
  EXPECT_EQ(learner.logits(torch::randn({2, 32})).sizes(), (std::vector<std::int64_t>{2, 2}));
}

}  // namespace
}  // namespace promptlab

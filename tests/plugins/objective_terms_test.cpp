// Named loss terms: the learner's own terms beside the framework's "ce", gradients of any group of
// terms from one forward pass, the zero-shot teacher's "kl_to_zeroshot", and the per-epoch
// "loss_<term>" metrics.
#include <gtest/gtest.h>

#include <cmath>

#include "promptlab/prompt/zero_shot_teacher.hpp"
#include "tiny_clip.hpp"
#include "train/batch_objective.hpp"
#include "train/trainer.hpp"

namespace promptlab {
namespace {

// A linear classifier with an L2 term "l2" = 0.5 * decay * |W|^2, whose gradient is decay * W.
class L2Learner : public Learner {
 public:
  L2Learner(double decay, std::string term = "l2") : decay_(decay), term_(std::move(term)) {
    weight_ = register_parameter("weight", torch::tensor({{0.5f, -1.0f}, {2.0f, 0.25f}, {-0.5f, 1.5f}}));
  }
  torch::Tensor logits(const torch::Tensor& f) override { return f.matmul(weight_.t()); }
  void set_classnames(const std::vector<std::string>&) override {}
  LearnerOutput training_forward(const TrainingBatch& batch) override {
    return {logits(batch.image_features), {{term_, 0.5 * decay_ * weight_.pow(2).sum()}}};
  }
  torch::Tensor weight_;

 private:
  double decay_;
  std::string term_;
};

torch::Tensor features() { return torch::tensor({{1.0f, 0.0f}, {0.0f, 1.0f}, {1.0f, 1.0f}, {-1.0f, 2.0f}}); }
torch::Tensor labels() { return torch::tensor({0, 1, 2, 1}, torch::kLong); }

TEST(ObjectiveTerms, TheTrainingLossIsCrossEntropyPlusTheLearnersTerms) {
  L2Learner learner(0.1);
  BatchObjective objective(learner, features(), labels());
  const double loss = objective.evaluate().item<double>();
  const torch::Tensor w = learner.weight_.detach();
  const double ce = torch::nn::functional::cross_entropy(features().matmul(w.t()), labels()).item<double>();
  const double l2 = 0.5 * 0.1 * w.pow(2).sum().item<double>();  // 0.5 * 0.1 * 7.8125
  EXPECT_NEAR(l2, 0.390625, 1e-7);
  EXPECT_NEAR(loss, ce + l2, 1e-6);
  const auto metrics = read_metrics(objective.term_metrics());
  EXPECT_NEAR(metrics.at("loss_ce"), ce, 1e-6);
  EXPECT_NEAR(metrics.at("loss_l2"), l2, 1e-6);
}

TEST(ObjectiveTerms, GradientsOfGroupsComeFromOnePassAndSumToTheTrainingGradient) {
  L2Learner learner(0.1);
  BatchObjective objective(learner, features(), labels());
  const auto groups = objective.gradients({{"ce"}, {"l2"}, {"loss"}, {"ce", "l2"}});
  ASSERT_EQ(groups.size(), 4u);
  // The L2 term's gradient is decay * W, by hand.
  EXPECT_TRUE(torch::allclose(groups[1].gradient[0], 0.1 * learner.weight_.detach(), 0, 1e-7));
  EXPECT_NEAR(groups[1].value.item<double>(), 0.390625, 1e-7);
  EXPECT_TRUE(torch::allclose(groups[2].gradient[0], groups[0].gradient[0] + groups[1].gradient[0], 1e-6, 1e-7));
  EXPECT_TRUE(torch::equal(groups[2].gradient[0], groups[3].gradient[0]));
  EXPECT_NEAR(groups[2].value.item<double>(), (groups[0].value + groups[1].value).item<double>(), 1e-6);
  // .grad() is left alone; evaluate() writes the same training gradient into it.
  EXPECT_FALSE(learner.weight_.grad().defined());
  objective.evaluate();
  EXPECT_TRUE(torch::allclose(learner.weight_.grad(), groups[2].gradient[0], 1e-6, 1e-7));
}

TEST(ObjectiveTerms, AnUnknownOrReservedNameIsRefusedByName) {
  L2Learner learner(0.1);
  BatchObjective objective(learner, features(), labels());
  try {
    objective.gradients({{"kg"}});
    FAIL() << "an unknown term was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("no loss term named \"kg\""), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("ce, l2"), std::string::npos) << e.what();
  }
  L2Learner clash(0.1, "ce");
  BatchObjective clashing(clash, features(), labels());
  EXPECT_THROW(clashing.evaluate(), std::invalid_argument);
  // Without a teacher, the KL term says what is missing.
  try {
    objective.gradients({{"kl_to_zeroshot"}});
    FAIL() << "kl_to_zeroshot without a teacher was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("zero-shot teacher"), std::string::npos) << e.what();
  }
}

TEST(ObjectiveTerms, CrossEntropyAloneAddsNoTermMetrics) {
  class Plain : public L2Learner {
   public:
    Plain() : L2Learner(0) {}
    LearnerOutput training_forward(const TrainingBatch& b) override { return {logits(b.image_features), {}}; }
  } learner;
  BatchObjective objective(learner, features(), labels());
  objective.evaluate();
  EXPECT_TRUE(objective.term_metrics().empty());
}

// A learner whose logits are `scale` times the zero-shot teacher's: at scale 1 the KL to the
// teacher is 0 and stationary; elsewhere it is positive.
class ScaledTeacher : public Learner {
 public:
  ScaledTeacher(std::shared_ptr<ZeroShotTeacher> teacher, float scale) : teacher_(std::move(teacher)) {
    scale_ = register_parameter("scale", torch::tensor({scale}));
  }
  torch::Tensor logits(const torch::Tensor& f) override { return scale_ * teacher_->logits(f); }
  void set_classnames(const std::vector<std::string>&) override {}
  std::shared_ptr<ZeroShotTeacher> teacher_;
  torch::Tensor scale_;
};

TEST(ObjectiveTerms, KlToZeroShotIsTheTeachersKlDivergence) {
  Tokenizer tokenizer = test::tiny_tokenizer();
  ClipModel clip = test::tiny_clip();
  auto teacher = std::make_shared<ZeroShotTeacher>(clip, tokenizer, "a photo of a {}.",
                                                   std::vector<std::string>{"dog", "cat", "fox"}, torch::kCPU);
  torch::manual_seed(3);
  const torch::Tensor f = torch::randn({5, 32});
  const torch::Tensor y = torch::tensor({0, 1, 2, 0, 1}, torch::kLong);

  ScaledTeacher same(teacher, 1.0f);
  BatchObjective at_teacher(same, f, y, teacher.get());
  const auto g = at_teacher.gradients({{"kl_to_zeroshot"}});
  EXPECT_NEAR(g[0].value.item<double>(), 0.0, 1e-6);
  EXPECT_NEAR(g[0].gradient[0].item<double>(), 0.0, 1e-5);

  ScaledTeacher sharper(teacher, 2.0f);
  BatchObjective away(sharper, f, y, teacher.get());
  const double kl = away.gradients({{"kl_to_zeroshot"}})[0].value.item<double>();
  const torch::Tensor t = teacher->logits(f);
  const torch::Tensor p = torch::softmax(t, 1);
  const double expected = (p * (torch::log_softmax(t, 1) - torch::log_softmax(2 * t, 1))).sum(1).mean().item<double>();
  EXPECT_GT(kl, 1e-3);
  EXPECT_NEAR(kl, expected, 1e-6);
  // The KL term is never part of the training loss.
  const double ce = away.gradients({{"ce"}})[0].value.item<double>();
  EXPECT_NEAR(away.gradients({{"loss"}})[0].value.item<double>(), ce, 1e-9);
  // The teacher's features are the hand-written prompt's, normalised.
  EXPECT_NEAR(teacher->text_features().norm(2, 1).min().item<double>(), 1.0, 1e-5);
}

TEST(ObjectiveTerms, TermsArePerEpochMetricsOfTheTrainingLoop) {
  L2Learner learner(0.1);
  PlainStepRule rule;
  TrainData data{{features()}, labels(), nullptr};
  TrainOptions opts;
  opts.epochs = 2;
  opts.batch_size = 4;
  std::vector<EpochReport> reports;
  train(learner, rule, data, opts, [&](const EpochReport& r) { reports.push_back(r); });
  ASSERT_EQ(reports.size(), 2u);
  for (const auto& r : reports) {
    EXPECT_GT(r.values.at("loss_l2"), 0.0);
    EXPECT_NEAR(r.values.at("loss_ce") + r.values.at("loss_l2"), r.values.at("loss"), 1e-6);
  }
  // One step per epoch, so epoch 0's term is the initial weights' 0.5 * 0.1 * |W|^2.
  EXPECT_NEAR(reports[0].values.at("loss_l2"), 0.390625, 1e-6);
  EXPECT_NE(reports[1].values.at("loss_l2"), reports[0].values.at("loss_l2"));
}

}  // namespace
}  // namespace promptlab

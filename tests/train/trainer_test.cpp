#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "train/batch_objective.hpp"
#include "train/evaluate.hpp"
#include "train/separable_data.hpp"
#include "train/trainer.hpp"

using namespace promptlab;

namespace {

// A linear classifier on features: enough to check the loop learns.
class LinearLearner : public Learner {
 public:
  LinearLearner(int dim, int classes) { weight_ = register_parameter("weight", torch::zeros({classes, dim})); }
  torch::Tensor logits(const torch::Tensor& f) override { return f.matmul(weight_.t()); }
  void set_classnames(const std::vector<std::string>&) override {}

 private:
  torch::Tensor weight_;
};

using test::separable_data;

}  // namespace

TEST(Trainer, DropsTheLastBatchOnlyWhenAFullBatchExists) {
  EXPECT_EQ(steps_per_epoch(100, 32), 3);   // 96 used, 4 dropped
  EXPECT_EQ(steps_per_epoch(64, 32), 2);
  EXPECT_EQ(steps_per_epoch(10, 32), 1);    // fewer than one batch: keep them
  EXPECT_EQ(steps_per_epoch(0, 32), 0);
}

TEST(Trainer, AggregatesStepMetrics) {
  std::vector<std::map<std::string, double>> steps = {{{"loss", 1.0}, {"cos", 0.5}, {"branch_sam", 1}},
                                                     {{"loss", 3.0}, {"cos", 0.9}, {"branch_sam", 0}}};
  auto m = aggregate_step_metrics(steps);
  EXPECT_DOUBLE_EQ(m.at("loss"), 2.0);
  EXPECT_EQ(m.count("loss_min"), 0u);
  EXPECT_DOUBLE_EQ(m.at("cos"), 0.7);
  EXPECT_DOUBLE_EQ(m.at("cos_min"), 0.5);
  EXPECT_DOUBLE_EQ(m.at("cos_max"), 0.9);
  EXPECT_DOUBLE_EQ(m.at("branch_sam"), 1.0);
}

TEST(Trainer, LearnsASeparableProblemAndReportsEveryEpoch) {
  LinearLearner learner(4, 2);
  PlainStepRule rule;
  TrainData data = separable_data(64);
  TrainOptions opts;
  opts.epochs = 5;
  opts.batch_size = 16;
  opts.schedule = ScheduleOptions{0.5, 5, 1, 1e-5};
  opts.sgd.weight_decay = 0;
  std::vector<EpochReport> reports;
  int steps_seen = 0;
  train(learner, rule, data, opts, [&](const EpochReport& r) { reports.push_back(r); },
        [&](int, int, int, double, double) { ++steps_seen; });
  ASSERT_EQ(reports.size(), 5u);
  EXPECT_EQ(steps_seen, 5 * 4);
  EXPECT_DOUBLE_EQ(reports[0].values.at("lr"), 1e-5);
  EXPECT_DOUBLE_EQ(reports[1].values.at("lr"), 0.5);
  EXPECT_LT(reports.back().values.at("loss"), reports.front().values.at("loss"));
  Accuracy acc = evaluate(learner, data.views[0], data.labels);
  EXPECT_EQ(acc.n, 64);
  EXPECT_EQ(acc.correct, 64);
}

TEST(Trainer, IsDeterministicGivenTheSeed) {
  auto run = [](std::uint64_t seed) {
    LinearLearner learner(4, 2);
    PlainStepRule rule;
    TrainData data = separable_data(50);
    TrainOptions opts;
    opts.epochs = 3;
    opts.batch_size = 8;
    opts.seed = seed;
    opts.schedule = ScheduleOptions{0.1, 3, 1, 1e-5};
    train(learner, rule, data, opts);
    return learner.parameters()[0].clone();
  };
  EXPECT_TRUE(torch::equal(run(1), run(1)));
  EXPECT_FALSE(torch::equal(run(1), run(2)));
}

TEST(Trainer, StopsWhenTheStopFlagIsRaised) {
  LinearLearner learner(4, 2);
  PlainStepRule rule;
  TrainData data = separable_data(32);
  TrainOptions opts;
  opts.epochs = 2;
  std::atomic<bool> stop{true};
  EXPECT_THROW(train(learner, rule, data, opts, {}, {}, &stop), TrainingInterrupted);
}

namespace {

// A step rule that poisons the gradient at one step: the loop must notice.
class PoisonAtStep : public StepRule {
 public:
  PoisonAtStep(int step, double value) : step_(step), value_(value) {}
  StepMetrics compute_gradient(Objective& objective) override {
    const torch::Tensor loss = objective.evaluate();
    if (++count_ == step_) objective.parameters()[0].mutable_grad().fill_(value_);
    return {{"loss", loss}};
  }

 private:
  int step_, count_ = 0;
  double value_;
};

TrainOptions two_epochs_of_four_steps() {
  TrainOptions opts;
  opts.epochs = 2;
  opts.batch_size = 16;
  opts.schedule = ScheduleOptions{0.5, 2, 0, 1e-5};
  return opts;
}

}  // namespace

TEST(Trainer, NonFiniteGradientFailsNamingEpochStepAndTensor) {
  LinearLearner learner(4, 2);
  PoisonAtStep rule(6, std::numeric_limits<double>::quiet_NaN());  // epoch 1, step 2
  try {
    train(learner, rule, separable_data(64), two_epochs_of_four_steps());
    FAIL() << "a NaN gradient went unnoticed";
  } catch (const NonFiniteError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("epoch 1, step 2 of 4"), std::string::npos) << msg;
    EXPECT_NE(msg.find("the gradient of weight [2, 4] holds nan"), std::string::npos) << msg;
    EXPECT_NE(msg.find("train.nonfinite"), std::string::npos) << msg;
  }
}

TEST(Trainer, NonFiniteStepsCanBeSkippedAndAreCounted) {
  LinearLearner learner(4, 2);
  PoisonAtStep rule(3, std::numeric_limits<double>::infinity());
  TrainOptions opts = two_epochs_of_four_steps();
  opts.skip_nonfinite = true;
  std::vector<EpochReport> reports;
  train(learner, rule, separable_data(64), opts, [&](const EpochReport& r) { reports.push_back(r); });
  ASSERT_EQ(reports.size(), 2u);
  EXPECT_EQ(reports[0].values.at("nonfinite_skipped"), 1.0);
  EXPECT_EQ(reports[1].values.at("nonfinite_skipped"), 0.0);
  EXPECT_TRUE(std::isfinite(reports[0].values.at("loss")));
  for (const auto& p : learner.parameters()) EXPECT_TRUE(p.isfinite().all().item<bool>());
}

namespace {

// Reports its numbers as tensors (as a device-side rule does), plus one plain number.
class TensorMetricsRule : public StepRule {
 public:
  StepMetrics compute_gradient(Objective& objective) override {
    const torch::Tensor loss = objective.evaluate();
    return {{"loss", loss}, {"half_loss", loss * 0.5}, {"branch_odd", torch::tensor(true)}, {"plain", 3.0}};
  }
};

// Reports a metric holding two numbers.
class WideMetricRule : public StepRule {
 public:
  StepMetrics compute_gradient(Objective& objective) override {
    return {{"loss", objective.evaluate()}, {"per_class", torch::ones({2})}};
  }
};

}  // namespace

TEST(Trainer, ReadsTensorMetricsAfterTheStep) {
  LinearLearner learner(4, 2);
  TensorMetricsRule rule;
  TrainData data = separable_data(32);
  TrainOptions opts;
  opts.epochs = 2;
  opts.batch_size = 8;
  std::vector<EpochReport> reports;
  train(learner, rule, data, opts, [&](const EpochReport& r) { reports.push_back(r); });
  ASSERT_EQ(reports.size(), 2u);
  for (const auto& r : reports) {
    EXPECT_GT(r.values.at("loss"), 0.0);
    EXPECT_NEAR(r.values.at("half_loss"), 0.5 * r.values.at("loss"), 1e-12);
    EXPECT_DOUBLE_EQ(r.values.at("branch_odd"), 4.0);  // a bool tensor counts 1 per step, 4 steps
    EXPECT_DOUBLE_EQ(r.values.at("plain"), 3.0);
  }
}

TEST(Trainer, AMetricOfSeveralNumbersIsRefusedByName) {
  LinearLearner learner(4, 2);
  WideMetricRule rule;
  TrainData data = separable_data(16);
  TrainOptions opts;
  try {
    train(learner, rule, data, opts);
    FAIL() << "a two-number metric was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("\"per_class\""), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("[2]"), std::string::npos) << e.what();
  }
}

TEST(ReadMetrics, OneNumberPerMetricWhateverItsType) {
  const StepMetrics m = {{"b", torch::tensor(true)},
                         {"d", 0.25},
                         {"f", torch::tensor({1.5f})},
                         {"i", torch::tensor(std::int64_t{7})},
                         {"h", torch::tensor(2.0).to(torch::kBFloat16)}};
  const auto read = read_metrics(m);
  ASSERT_EQ(read.size(), 5u);
  EXPECT_EQ(read.at("b"), 1.0);
  EXPECT_EQ(read.at("d"), 0.25);
  EXPECT_EQ(read.at("f"), 1.5);
  EXPECT_EQ(read.at("i"), 7.0);
  EXPECT_EQ(read.at("h"), 2.0);
  EXPECT_EQ(read_scalars({torch::tensor(4.0), torch::tensor(-1)}), (std::vector<double>{4.0, -1.0}));
  try {
    read_metrics({{"missing", torch::Tensor()}});
    FAIL() << "an undefined tensor was read";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("\"missing\" is an undefined tensor"), std::string::npos) << e.what();
  }
  EXPECT_THROW(read_scalars({torch::tensor(1.0)}, {"a", "b"}), std::invalid_argument);
}

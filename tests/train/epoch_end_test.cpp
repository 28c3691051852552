// Learner::end_epoch: called once per finished epoch, after its steps and before its checkpoint,
// so that state a learner keeps over epochs (in buffers) resumes exactly.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>

#include "train/batch_objective.hpp"
#include "train/run_train.hpp"
#include "train/separable_data.hpp"
#include "train/trainer.hpp"

using namespace promptlab;

namespace {

// A linear classifier that keeps, in a buffer, the running mean of its weight at each epoch's end
// (the shape of PromptSRC's prompt aggregation), and logs when its hooks run.
class AveragingLearner : public Learner {
 public:
  AveragingLearner(int dim, int classes, double init) {
    weight_ = register_parameter("weight", torch::full({classes, dim}, init));
    average_ = register_buffer("average", torch::zeros({classes, dim}));
    seen_ = register_buffer("epochs_averaged", torch::zeros({}, torch::kLong));
  }
  torch::Tensor logits(const torch::Tensor& f) override {
    ++forwards;
    return f.matmul(weight_.t());
  }
  void set_classnames(const std::vector<std::string>&) override {}
  void end_epoch(const EpochEnd& e) override {
    EXPECT_FALSE(torch::GradMode::is_enabled());
    calls.push_back({e.epoch, e.epochs});
    forwards_at_end.push_back(forwards);
    seen_ += 1;
    average_ += (weight_ - average_) / seen_.item<double>();
  }
  torch::Tensor average() const { return average_; }
  torch::Tensor weight() const { return weight_; }

  std::vector<std::pair<int, int>> calls;
  std::vector<int> forwards_at_end;
  int forwards = 0;

 private:
  torch::Tensor weight_, average_, seen_;
};

Config run_config(int epochs) {
  Config c;
  c.set("train.epochs", std::int64_t{epochs});
  c.set("train.batch_size", std::int64_t{8});
  c.set("train.warmup_epochs", std::int64_t{0});
  c.set("train.warmup_lr", 0.0);
  c.set("train.nonfinite", std::string("fail"));
  c.set("optim.lr", 0.5);
  c.set("optim.momentum", 0.9);
  c.set("optim.dampening", 0.0);
  c.set("optim.weight_decay", 0.0);
  return c;
}

}  // namespace

TEST(EndEpoch, CalledAfterEachEpochsStepsAndBeforeItsCheckpoint) {
  AveragingLearner learner(4, 2, 0.0);
  PlainStepRule rule;
  TrainOptions options;
  options.epochs = 3;
  options.batch_size = 8;  // 32 items: 4 steps an epoch
  std::vector<int> ends_seen_at_checkpoint;
  train(learner, rule, test::separable_data(32), options, {}, {}, nullptr,
        [&](int, const Sgd&) { ends_seen_at_checkpoint.push_back(static_cast<int>(learner.calls.size())); });
  const std::vector<std::pair<int, int>> expected{{0, 3}, {1, 3}, {2, 3}};
  EXPECT_EQ(learner.calls, expected);
  EXPECT_EQ(learner.forwards_at_end, (std::vector<int>{4, 8, 12}));  // one training forward a step (plain rule)
  EXPECT_EQ(ends_seen_at_checkpoint, (std::vector<int>{1, 2, 3}));
}

TEST(EndEpoch, AResumedRunEndsAsAnUninterruptedOne) {
  const auto dir = std::filesystem::path(PROMPTLAB_BUILD_DIR) / "test-tmp" / "end_epoch_resume";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const TrainData data = test::separable_data(32);
  const Config config = run_config(4);
  PlainStepRule rule;

  AveragingLearner whole(4, 2, 0.1);
  train_run(whole, rule, data, config, 1, (dir / "whole.ckpt").string(), "hash", {}, {}, {}, nullptr);

  // Stopped after epoch 2 of 4 (its checkpoint written), then resumed by a learner built afresh.
  const std::string checkpoint = (dir / "resumed.ckpt").string();
  std::atomic<bool> stop{false};
  AveragingLearner first(4, 2, 0.1);
  EXPECT_THROW(train_run(first, rule, data, config, 1, checkpoint, "hash",
                         [&](const EpochReport& r) { stop = r.epoch == 1; }, {}, {}, &stop),
               TrainingInterrupted);
  ASSERT_EQ(first.calls.size(), 2u);
  AveragingLearner second(4, 2, -3.0);
  train_run(second, rule, data, config, 1, checkpoint, "hash", {}, {}, {}, nullptr);
  EXPECT_EQ(second.calls, (std::vector<std::pair<int, int>>{{2, 4}, {3, 4}}));

  EXPECT_TRUE(torch::equal(second.weight(), whole.weight())) << second.weight() << whole.weight();
  EXPECT_TRUE(torch::equal(second.average(), whole.average())) << second.average() << whole.average();
  EXPECT_FALSE(torch::equal(whole.average(), whole.weight())) << "the average must differ from the last weight";
}

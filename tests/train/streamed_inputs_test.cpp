// Learners that take images get their training views streamed, a batch of images at a time, and
// their test splits a chunk at a time (train_data.hpp): the same rows, steps and accuracies as
// views held whole, without holding train.views copies of the training images.
#include <gtest/gtest.h>

#include <set>

#include "data/feature_cache.hpp"
#include "data/item_labels.hpp"
#include "plugins/tiny_clip.hpp"
#include "train/batch_objective.hpp"
#include "train/features.hpp"
#include "train/run_evaluate.hpp"
#include "train/run_prepare.hpp"
#include "train/trainer.hpp"
#include "world/suite.hpp"

using namespace promptlab;

namespace {

// A learner that takes images: their mean colour through one linear layer.
class MeanColourLearner : public Learner {
 public:
  explicit MeanColourLearner(std::int64_t n_cls) : linear_(register_module("linear", torch::nn::Linear(3, n_cls))) {}
  torch::Tensor logits(const torch::Tensor& images) override { return linear_(images.mean({2, 3})); }
  LearnerInput input() const override { return LearnerInput::kImages; }
  void set_classnames(const std::vector<std::string>&) override {}

 private:
  torch::nn::Linear linear_;
};

// An embedded dataset whose listed `broken` items cannot be decoded.
class WithBrokenImages : public Dataset {
 public:
  WithBrokenImages(std::shared_ptr<Dataset> inner, std::set<std::string> broken)
      : inner_(std::move(inner)), broken_(std::move(broken)) {}
  std::string name() const override { return inner_->name(); }
  std::vector<std::string> classnames() const override { return inner_->classnames(); }
  std::string prompt_template() const override { return inner_->prompt_template(); }
  std::vector<DataItem> items(Split split) const override { return inner_->items(split); }
  Image load_image(const DataItem& item) const override {
    if (broken_.count(item.id)) throw std::runtime_error(item.id + ": not an image");
    return inner_->load_image(item);
  }

 private:
  std::shared_ptr<Dataset> inner_;
  std::set<std::string> broken_;
};

struct Fixture {
  ModelBundle model;
  std::shared_ptr<Dataset> dataset;
  std::vector<DataItem> items;     // the first 12 training items, two of them broken
  std::vector<DataItem> readable;  // the other 10
  RunData data;
  Config config;
  int resolution = 0;

  Fixture() {
    model.clip = test::tiny_clip();
    model.checksum = "tiny-random-7";
    auto inner = open_embedded_dataset("tiny_shapes");
    items = inner->items(Split::kTrain);
    items.resize(12);
    dataset = std::make_shared<WithBrokenImages>(inner, std::set<std::string>{items[2].id, items[7].id});
    for (std::size_t k = 0; k < items.size(); ++k) {
      if (k != 2 && k != 7) readable.push_back(items[k]);
    }
    data.train_set.items = items;
    config.set("train.views", std::int64_t{3});
    config.set("data.crop_scale_min", 0.5);
    resolution = static_cast<int>(model.clip->config().image_resolution);
  }

  // View `view` of the readable items, decoded whole.
  torch::Tensor whole_view(int view) const {
    std::vector<std::string> warnings;
    return preprocessed_images(*dataset, readable, resolution, "train", view, warnings, 0.5);
  }
};

}  // namespace

TEST(StreamedInputs, TrainingRowsAreTheWholeViewsRowsWithoutTheUnreadable) {
  Fixture f;
  MeanColourLearner learner(2);
  FeatureCache cache("", f.model.checksum, /*enabled=*/false);
  std::vector<std::string> warnings;
  const InputSource inputs = input_source(learner, f.model, cache, warnings, nullptr);
  ASSERT_TRUE(inputs.streamed);
  const TrainData train = training_data(inputs, *f.dataset, f.data, f.config, f.model, nullptr, warnings);

  EXPECT_TRUE(train.views.empty()) << "images were decoded up front";
  ASSERT_EQ(train.view_count(), 3);
  EXPECT_TRUE(torch::equal(train.labels, labels_of(f.readable)));
  bool counted = false;
  for (const auto& w : warnings) counted = counted || w.find("2 of 12 training images were unreadable") != std::string::npos;
  EXPECT_TRUE(counted) << "no warning counts the unreadable images";

  for (int view = 0; view < 3; ++view) {
    const torch::Tensor whole = f.whole_view(view);
    EXPECT_TRUE(torch::equal(train.rows(view, torch::arange(10, torch::kInt64)), whole)) << "view " << view;
    const torch::Tensor some = torch::tensor({9, 0, 4}, torch::kInt64);
    EXPECT_TRUE(torch::equal(train.rows(view, some), whole.index_select(0, some))) << "view " << view;
  }
  EXPECT_FALSE(torch::equal(f.whole_view(0), f.whole_view(1))) << "the views must differ for this test to mean anything";
  EXPECT_THROW(train.rows(3, torch::arange(2, torch::kInt64)), std::out_of_range);
}

TEST(StreamedInputs, TrainingOnStreamedViewsTakesTheStepsOfHeldViews) {
  Fixture f;
  TrainData held;
  for (int view = 0; view < 3; ++view) held.views.push_back(f.whole_view(view));
  held.labels = labels_of(f.readable);

  const auto n_cls = static_cast<std::int64_t>(f.dataset->classnames().size());
  MeanColourLearner streamed_learner(n_cls);
  FeatureCache cache("", f.model.checksum, /*enabled=*/false);
  std::vector<std::string> warnings;
  const TrainData streamed = training_data(input_source(streamed_learner, f.model, cache, warnings, nullptr),
                                           *f.dataset, f.data, f.config, f.model, nullptr, warnings);

  auto trained = [](MeanColourLearner& learner, const TrainData& data) {
    torch::manual_seed(3);
    for (auto& p : learner.parameters()) p.data().uniform_(-0.5, 0.5);
    PlainStepRule rule;
    TrainOptions options;
    options.epochs = 4;  // views 0, 1, 2, 0
    options.batch_size = 4;
    options.sgd.lr = 0.5;
    train(learner, rule, data, options);
    return torch::cat({learner.parameters()[0].flatten(), learner.parameters()[1].flatten()});
  };
  MeanColourLearner held_learner(n_cls);
  const torch::Tensor from_held = trained(held_learner, held);
  const torch::Tensor from_streamed = trained(streamed_learner, streamed);
  EXPECT_TRUE(torch::equal(from_held, from_streamed)) << from_held << "\n" << from_streamed;
}

TEST(StreamedInputs, AStreamedSplitIsEvaluatedAChunkAtATimeWithTheSameAccuracy) {
  Fixture f;
  MeanColourLearner learner(static_cast<std::int64_t>(f.dataset->classnames().size()));
  FeatureCache cache("", f.model.checksum, /*enabled=*/false);
  std::vector<std::string> warnings;
  const InputSource streamed = input_source(learner, f.model, cache, warnings, nullptr);
  InputSource whole = streamed;
  whole.streamed = false;
  learner.eval();
  const Accuracy all_at_once = split_accuracy(learner, whole, *f.dataset, f.items, torch::kCPU);
  const Accuracy by_chunks = split_accuracy(learner, streamed, *f.dataset, f.items, torch::kCPU, /*streamed_chunk=*/5);
  EXPECT_EQ(all_at_once.n, 10);  // the two broken images are left out
  EXPECT_EQ(by_chunks.n, all_at_once.n);
  EXPECT_EQ(by_chunks.correct, all_at_once.correct);
}

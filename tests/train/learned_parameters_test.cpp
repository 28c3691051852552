// Named learned tensors: the archive round trip, runs recorded before names were kept, bad blobs.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "train/learned_parameters.hpp"

namespace promptlab {
namespace {

// A learner with one registered trainable tensor and a frozen one.
class TwoTensors : public Learner {
 public:
  TwoTensors() {
    ctx_ = register_parameter("ctx", torch::arange(6, torch::kFloat).view({2, 3}));
    register_parameter("frozen", torch::ones({2}), /*requires_grad=*/false);
  }
  torch::Tensor logits(const torch::Tensor& f) override { return f; }
  void set_classnames(const std::vector<std::string>&) override {}

 private:
  torch::Tensor ctx_;
};

std::vector<std::uint8_t> bytes_of(const std::vector<char>& v) { return {v.begin(), v.end()}; }

TEST(LearnedParameters, NamedTrainableTensorsRoundTrip) {
  TwoTensors learner;
  const auto named = named_trainable(learner);
  ASSERT_EQ(named.size(), 1u);
  EXPECT_EQ(named[0].first, "ctx");
  const auto back = load_named_tensors(bytes_of(save_named_tensors(named)), "test");
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].first, "ctx");
  EXPECT_TRUE(torch::equal(back[0].second, named[0].second));
}

TEST(LearnedParameters, LoadTrainableCopiesByNameAndRefusesMismatches) {
  TwoTensors learner;
  const torch::Tensor learned = torch::full({2, 3}, 7.0);
  load_trainable(learner, {{"ctx", learned}}, "run 5");
  EXPECT_TRUE(torch::equal(named_trainable(learner)[0].second, learned));
  EXPECT_FALSE(learner.trainable_parameters()[0].is_same(learned));  // copied, not aliased
  const auto message = [&](const std::vector<std::pair<std::string, torch::Tensor>>& given) {
    try {
      load_trainable(learner, given, "run 5");
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message({{"other", learned}}).find("run 5: has no tensor 'ctx'"), std::string::npos);
  EXPECT_NE(message({{"ctx", torch::zeros({3, 2})}}).find("'ctx' is shaped [3, 2]"), std::string::npos);
  EXPECT_NE(message({}).find("holds 0 tensors"), std::string::npos);
  EXPECT_TRUE(torch::equal(named_trainable(learner)[0].second, learned));  // untouched by the refusals
}

TEST(LearnedParameters, OldListArchivesGetPositionalNamesAndGarbageIsNamed) {
  std::vector<torch::Tensor> list{torch::ones({2}), torch::zeros({3})};
  const auto back = load_named_tensors(bytes_of(torch::pickle_save(c10::IValue(list))), "old run");
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[1].first, "param_1");
  EXPECT_EQ(back[1].second.numel(), 3);
  try {
    load_named_tensors({'n', 'o', 'p', 'e'}, "run 3 artifact 'parameters'");
    FAIL() << "garbage accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("run 3 artifact 'parameters'"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace promptlab

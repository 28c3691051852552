// Checkpoints: exact round trip of learner tensors, momentum and the RNG; config and damage checks.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>

#include "train/checkpoint.hpp"
#include "util/temp_path.hpp"
#include "train/sgd.hpp"

namespace promptlab {
namespace {

namespace fs = std::filesystem;

struct Small : torch::nn::Module {
  Small() {
    w = register_parameter("w", torch::randn({3, 2}));
    inner = register_module("inner", torch::nn::Linear(2, 2));
    register_buffer("count", torch::ones({1}));
  }
  torch::Tensor w;
  torch::nn::Linear inner{nullptr};
};

fs::path temp_dir(const std::string& tag) {
  const char* base = std::getenv("PROMPTLAB_TEST_TMP");
  fs::path dir = fs::path(base ? base : "/tmp") / ("checkpoint-" + tag + "-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

TEST(Checkpoint, RoundTripIsExact) {
  const auto dir = temp_dir("roundtrip");
  torch::manual_seed(3);
  Small a;
  Sgd sgd({a.w}, SgdOptions{});
  a.w.mutable_grad() = torch::ones_like(a.w);
  sgd.step();  // defines the momentum buffer
  TrainState state;
  state.next_epoch = 7;
  state.learner = module_tensors(a);
  state.momentum = {sgd.momentum_buffers()[0], torch::Tensor()};
  state.torch_rng = torch_rng_state();
  state.config_hash = "abc";
  const std::string path = checkpoint_path(dir.string(), 12);
  EXPECT_EQ(fs::path(path).filename(), "run_12.ckpt");
  save_checkpoint(path, state);
  EXPECT_FALSE(fs::exists(temp_path_beside(path)));
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);  // no temporary left

  const auto back = load_checkpoint(path, "abc");
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->next_epoch, 7);
  ASSERT_EQ(back->momentum.size(), 2u);
  EXPECT_TRUE(torch::equal(back->momentum[0], sgd.momentum_buffers()[0]));
  EXPECT_FALSE(back->momentum[1].defined());
  torch::manual_seed(99);
  Small b;
  restore_module(b, *back, path);
  EXPECT_TRUE(torch::equal(b.w, a.w));
  EXPECT_TRUE(torch::equal(b.inner->weight, a.inner->weight));
  // The saved RNG state continues exactly as the original would have.
  set_torch_rng_state(state.torch_rng);
  const torch::Tensor expected = torch::rand({4});
  torch::rand({9});
  set_torch_rng_state(back->torch_rng);
  EXPECT_TRUE(torch::equal(torch::rand({4}), expected));
}

TEST(Checkpoint, AbsentIsNulloptAndMismatchOrDamageNamesThePath) {
  const auto dir = temp_dir("errors");
  const std::string path = checkpoint_path(dir.string(), 1);
  EXPECT_FALSE(load_checkpoint(path, "abc").has_value());
  TrainState state;
  state.config_hash = "abc";
  save_checkpoint(path, state);
  try {
    load_checkpoint(path, "other");
    FAIL() << "a checkpoint of another config was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("other"), std::string::npos) << e.what();
  }
  std::ofstream(path, std::ios::trunc) << "not a checkpoint";
  try {
    load_checkpoint(path, "abc");
    FAIL() << "garbage accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("damaged"), std::string::npos) << e.what();
  }
  Small a;
  TrainState partial;
  partial.learner = {{"param.w", torch::zeros({3, 2})}};
  try {
    restore_module(a, partial, "ck");
    FAIL() << "a missing tensor was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("param.inner.weight"), std::string::npos) << e.what();
  }
  Sgd sgd({a.w}, SgdOptions{});
  EXPECT_THROW(sgd.set_momentum_buffers({torch::zeros({5})}), std::invalid_argument);
  EXPECT_THROW(sgd.set_momentum_buffers({}), std::invalid_argument);
}

}  // namespace
}  // namespace promptlab

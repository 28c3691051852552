// The GPU path (issue 15): the same work on the CPU and on $PROMPTLAB_TEST_DEVICE ("cuda" or
// "cuda:N"; scripts/gpu-check.sh sets it): CLIP features within 1e-3, and CoOp and GCSCoOp
// trained through the framework's loop to the same losses and contexts. Skipped, saying why, when
// the variable is unset; a device this LibTorch cannot use fails the test.
#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "gcscoop/gcsam_rule.hpp"
#include "promptlab/prompt/coop_learner.hpp"
#include "tiny_clip.hpp"
#include "train/batch_objective.hpp"
#include "train/trainer.hpp"
#include "util/device.hpp"

namespace promptlab {
namespace {

using test::max_abs_diff;

std::optional<torch::Device> device_under_test() {
  const char* text = std::getenv("PROMPTLAB_TEST_DEVICE");
  if (text == nullptr || *text == '\0') return std::nullopt;
  const torch::Device device = parse_device(text, "PROMPTLAB_TEST_DEVICE");
  require_usable(device, "PROMPTLAB_TEST_DEVICE");
  return device;
}

#define PROMPTLAB_DEVICE_OR_SKIP(name)                                                                   \
  const std::optional<torch::Device> name = device_under_test();                                      \
  if (!name) GTEST_SKIP() << "PROMPTLAB_TEST_DEVICE is unset: set it to cuda or cuda:N to compare that " \
                             "device with the CPU (scripts/gpu-check.sh does)"

ClipModel tiny_clip_on(const torch::Device& device) {
  ClipModel clip = test::tiny_clip();
  clip->to(device);
  return clip;
}

TEST(DevicePath, ClipFeaturesMatchTheCpu) {
  PROMPTLAB_DEVICE_OR_SKIP(device);
  ClipModel cpu = tiny_clip_on(torch::kCPU), dev = tiny_clip_on(*device);
  Tokenizer tokenizer = test::tiny_tokenizer();
  torch::manual_seed(5);
  const torch::Tensor images = torch::randn({6, 3, 8, 8});
  std::vector<std::int64_t> ids;
  for (const char* text : {"a photo of a dog.", "a photo of a cat.", "of"}) {
    const auto t = tokenizer.tokenize(text, 16);
    ids.insert(ids.end(), t.begin(), t.end());
  }
  const torch::Tensor tokens = torch::tensor(ids, torch::kLong).view({3, 16});
  torch::NoGradGuard no_grad;
  const torch::Tensor image_dev = dev->encode_image(images.to(*device));
  const torch::Tensor text_dev = dev->encode_text(tokens.to(*device));
  EXPECT_EQ(image_dev.device(), *device);
  EXPECT_LT(max_abs_diff(image_dev.cpu(), cpu->encode_image(images)), 1e-3);
  EXPECT_LT(max_abs_diff(text_dev.cpu(), cpu->encode_text(tokens)), 1e-3);
}

// Trains `rule` on the tiny CLIP's features of random images for 3 epochs on `device`; returns the
// per-epoch losses and the learned context (on the CPU).
std::pair<std::vector<double>, torch::Tensor> train_on(const torch::Device& device, StepRule& rule) {
  ClipModel clip = tiny_clip_on(device);
  Tokenizer tokenizer = test::tiny_tokenizer();
  LearnerContext ctx;
  ctx.clip = clip;
  ctx.tokenizer = &tokenizer;
  ctx.classnames = {"dog", "cat", "photo"};
  ctx.prompt_template = "a photo of a {}.";
  ctx.config.set("coop.n_ctx", std::int64_t{4});
  ctx.config.set("coop.init", std::string("a photo of a"));
  ctx.config.set("coop.csc", false);
  ctx.config.set("coop.class_token_position", std::string("end"));
  ctx.config.set("seed", std::int64_t{3});
  ctx.device = device;
  CoopLearner learner(ctx);
  torch::manual_seed(11);
  const torch::Tensor images = torch::randn({24, 3, 8, 8});
  TrainData data;
  {
    torch::NoGradGuard no_grad;
    data.views = {clip->encode_image(images.to(device)).to(torch::kFloat)};
  }
  data.labels = (torch::arange(24) % 3).to(device);
  TrainOptions opts;
  opts.epochs = 3;
  opts.batch_size = 8;
  opts.schedule = ScheduleOptions{0.02, 3, 1, 1e-5};
  std::vector<double> losses;
  train(learner, rule, data, opts, [&](const EpochReport& r) { losses.push_back(r.values.at("loss")); });
  return {losses, learner.context().detach().cpu()};
}

void expect_same_training(const torch::Device& device, StepRule& on_cpu, StepRule& on_device) {
  const auto [cpu_losses, cpu_ctx] = train_on(torch::kCPU, on_cpu);
  const auto [dev_losses, dev_ctx] = train_on(device, on_device);
  ASSERT_EQ(dev_losses.size(), 3u);
  for (std::size_t e = 0; e < cpu_losses.size(); ++e) {
    EXPECT_NEAR(dev_losses[e], cpu_losses[e], 1e-3 * std::max(1.0, std::abs(cpu_losses[e]))) << "epoch " << e;
  }
  EXPECT_NE(cpu_losses.front(), cpu_losses.back()) << "the context did not train, so equal results say nothing";
  EXPECT_LT(max_abs_diff(dev_ctx, cpu_ctx), 1e-3);
}

TEST(DevicePath, CoopTrainsAsOnTheCpu) {
  PROMPTLAB_DEVICE_OR_SKIP(device);
  PlainStepRule cpu_rule, device_rule;
  expect_same_training(*device, cpu_rule, device_rule);
}

TEST(DevicePath, GcscoopTrainsAsOnTheCpu) {
  PROMPTLAB_DEVICE_OR_SKIP(device);
  GcsamOptions options;
  options.rho = 0.1;
  options.beta1 = 0.2;
  options.beta2 = 0.6;
  GcsamRule cpu_rule(options), device_rule(options);
  expect_same_training(*device, cpu_rule, device_rule);
}

}  // namespace
}  // namespace promptlab

// ResNet CLIP (OpenAI's modified ResNet + attention pool) against the independent Python
// reference at tiny dimensions: architecture inference, features, checkpoints, bf16.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <set>

#include "clip/clip_test_support.hpp"
#include "promptlab/clip_model.hpp"

namespace promptlab {
namespace {

namespace fs = std::filesystem;
using test::max_abs_diff;

// Every tensor of the model by key, parameters and buffers.
std::map<std::string, torch::Tensor> model_state(const ClipModel& model) {
  std::map<std::string, torch::Tensor> state;
  for (const auto& item : model->named_parameters()) state[item.key()] = item.value();
  for (const auto& item : model->named_buffers()) state[item.key()] = item.value();
  return state;
}

class ClipResNetTiny : public ::testing::Test {
 protected:
  void SetUp() override {
    PROMPTLAB_REQUIRE_PYTHON_TORCH();
    torch::set_num_threads(2);
    dir_ = test::tiny_reference("rn_tiny");
    ref_ = test::load_reference(dir_);
    model_ = load_clip(weights());
  }
  std::string weights() const { return (dir_ / "weights.pt").string(); }
  fs::path dir_;
  test::Reference ref_;
  ClipModel model_{nullptr};
};

TEST_F(ClipResNetTiny, InfersTheArchitecture) {
  const ClipConfig& c = model_->config();
  EXPECT_EQ(c.vision_kind, VisionKind::kResNet);
  EXPECT_EQ(c.resnet_layers, (std::array<std::int64_t, 4>{{1, 2, 1, 1}}));
  EXPECT_EQ(c.vision_layers, 5);
  EXPECT_EQ(c.vision_width, ref_.meta["vision_width"].get<std::int64_t>());
  EXPECT_EQ(c.vision_patch, 32);
  EXPECT_EQ(c.image_resolution, 64);
  EXPECT_EQ(c.embed_dim, ref_.meta["embed"].get<std::int64_t>());
  EXPECT_EQ(c.vision_heads(), 16 * 32 / 64);
  EXPECT_EQ(c.context_length, 77);
  EXPECT_EQ(c.vocab_size, ref_.meta["vocab"].get<std::int64_t>());
  EXPECT_EQ(c.text_width, ref_.meta["text_width"].get<std::int64_t>());
  EXPECT_EQ(c.text_layers, ref_.meta["text_layers"].get<std::int64_t>());
}

TEST_F(ClipResNetTiny, TensorNamesAreTheStateDictKeys) {
  std::set<std::string> names;
  for (const auto& item : model_state(model_)) names.insert(item.first);
  std::set<std::string> keys;
  for (const auto& item : read_clip_state(weights())) keys.insert(item.first);
  EXPECT_EQ(names, keys);
  EXPECT_TRUE(keys.count("visual.layer1.0.downsample.1.weight"));
  EXPECT_FALSE(keys.count("visual.layer2.1.downsample.1.weight"));  // identity skip path
  EXPECT_TRUE(keys.count("visual.attnpool.c_proj.bias"));
  EXPECT_FALSE(keys.count("visual.proj"));
  const auto buffers = model_->named_buffers();
  ASSERT_TRUE(buffers.contains("visual.layer3.0.bn2.running_var"));
  EXPECT_TRUE(buffers.contains("visual.bn1.num_batches_tracked"));
  EXPECT_EQ(buffers.size(), 3u * (3u + 3u * 5u + 4u));  // stem, three per block, four downsamples
}

TEST_F(ClipResNetTiny, ImageFeaturesMatchReference) {
  torch::NoGradGuard no_grad;
  test::expect_features_match(model_->encode_image(ref_.images), ref_.image_features);
}

TEST_F(ClipResNetTiny, RunningStatisticsAreUsed) {
  torch::NoGradGuard no_grad;
  model_->named_buffers()["visual.layer2.1.bn1.running_mean"].add_(0.5);
  EXPECT_GT(max_abs_diff(model_->encode_image(ref_.images), ref_.image_features), 1e-3);
}

TEST_F(ClipResNetTiny, TextFeaturesMatchReference) {
  torch::NoGradGuard no_grad;
  test::expect_features_match(model_->encode_text(ref_.tokens), ref_.text_features);
}

TEST_F(ClipResNetTiny, CheckpointRoundTrip) {
  const fs::path dir = test::fresh_dir("clip-resnet");
  const fs::path saved = dir / "rn_tiny.plclip";
  save_clip(model_, saved.string());
  const auto state = read_clip_state(saved.string());
  EXPECT_TRUE(state.count("visual.layer1.0.bn3.running_mean"));
  ClipModel reloaded = load_clip(saved.string());
  EXPECT_EQ(reloaded->config().resnet_layers, model_->config().resnet_layers);
  const auto a = model_state(model_);
  const auto b = model_state(reloaded);
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [key, value] : a) EXPECT_TRUE(torch::equal(value, b.at(key))) << key;
  torch::NoGradGuard no_grad;
  EXPECT_LE(max_abs_diff(reloaded->encode_image(ref_.images), ref_.image_features), 1e-4);
  EXPECT_EQ(clip_checksum(saved.string()), clip_checksum(weights()));
  {  // the checksum covers the BatchNorm statistics
    reloaded->named_buffers()["visual.bn2.running_var"][0] += 1e-3;
    save_clip(reloaded, saved.string());
    EXPECT_NE(clip_checksum(saved.string()), clip_checksum(weights()));
  }
  fs::remove_all(dir);
}

TEST_F(ClipResNetTiny, Bf16RunsAndIsClose) {
  torch::NoGradGuard no_grad;
  model_->set_precision(Precision::kBf16);
  for (const auto& item : model_->named_parameters()) {
    const std::string& key = item.key();
    const bool norm = key.find("ln_") != std::string::npos || key.find(".bn") != std::string::npos ||
                      key.find(".downsample.2.") != std::string::npos || key == "logit_scale";
    EXPECT_EQ(item.value().scalar_type(), norm ? torch::kFloat : torch::kBFloat16) << key;
  }
  for (const auto& item : model_->named_buffers()) {
    if (item.key().find("running_") != std::string::npos) {
      EXPECT_EQ(item.value().scalar_type(), torch::kFloat) << item.key();
    }
  }
  test::expect_bf16_image_close(model_->encode_image(ref_.images), ref_.image_features);
  model_->set_precision(Precision::kFp32);  // back to fp32, from bf16-rounded weights
  const double scale = ref_.image_features.abs().max().item<double>();
  EXPECT_LE(max_abs_diff(model_->encode_image(ref_.images), ref_.image_features), 0.08 * scale);
}

TEST_F(ClipResNetTiny, RejectsWrongResolution) {
  torch::NoGradGuard no_grad;
  EXPECT_THROW(model_->encode_image(torch::zeros({1, 3, 32, 32})), std::invalid_argument);
}

TEST_F(ClipResNetTiny, MissingAttentionPoolKeyIsNamed) {
  const fs::path broken = dir_ / "broken_missing_attnpool.pt";
  try {
    load_clip(broken.string());
    FAIL() << "loading " << broken << " did not throw";
  } catch (const std::exception& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(broken.string()), std::string::npos) << msg;
    EXPECT_NE(msg.find("missing key 'visual.attnpool.k_proj.weight'"), std::string::npos) << msg;
  }
}

ClipConfig small_resnet_config() {
  ClipConfig c;
  c.vision_kind = VisionKind::kResNet;
  c.resnet_layers = {{1, 1, 2, 1}};
  c.vision_width = 8;
  c.image_resolution = 64;
  c.embed_dim = 16;
  c.text_width = 64;
  c.text_layers = 1;
  c.vocab_size = 50;
  c.context_length = 10;
  return c;
}

TEST(ClipResNet, FreshModelHasOpenAiLayout) {
  torch::manual_seed(5);
  ClipModel model(small_resnet_config());
  EXPECT_EQ(model->config().vision_layers, 5);
  EXPECT_EQ(model->config().vision_heads(), 4);
  const auto params = model->named_parameters();
  EXPECT_EQ(params["visual.conv1.weight"].sizes(), torch::IntArrayRef({4, 3, 3, 3}));
  EXPECT_EQ(params["visual.layer3.1.conv1.weight"].sizes(), torch::IntArrayRef({32, 128, 1, 1}));
  EXPECT_EQ(params["visual.layer4.0.downsample.1.weight"].sizes(), torch::IntArrayRef({256, 128, 1, 1}));
  EXPECT_EQ(params["visual.attnpool.positional_embedding"].sizes(), torch::IntArrayRef({5, 256}));
  EXPECT_EQ(params["visual.attnpool.c_proj.weight"].sizes(), torch::IntArrayRef({16, 256}));
  const ClipConfig inferred = infer_clip_config(model_state(model));
  EXPECT_EQ(inferred.vision_kind, VisionKind::kResNet);
  EXPECT_EQ(inferred.resnet_layers, model->config().resnet_layers);
  EXPECT_EQ(inferred.vision_width, 8);
  EXPECT_EQ(inferred.image_resolution, 64);
  EXPECT_EQ(inferred.embed_dim, 16);
  torch::NoGradGuard no_grad;
  torch::Tensor features = model->encode_image(torch::randn({2, 3, 64, 64}));
  EXPECT_EQ(features.sizes(), torch::IntArrayRef({2, 16}));
  EXPECT_TRUE(torch::isfinite(features).all().item<bool>());
}

TEST(ClipResNet, InferenceErrorsNameTheKey) {
  const auto expect_error = [](const std::map<std::string, torch::Tensor>& state, const std::string& needle) {
    try {
      infer_clip_config(state);
      FAIL() << "no error, expected " << needle;
    } catch (const std::exception& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  const auto state = model_state(ClipModel(small_resnet_config()));
  auto without_pool = state;
  without_pool.erase("visual.attnpool.positional_embedding");
  expect_error(without_pool, "missing key 'visual.attnpool.positional_embedding'");
  auto gap = state;  // layer3 keeps only block 1
  for (const auto& item : state) {
    if (item.first.rfind("visual.layer3.0.", 0) == 0) gap.erase(item.first);
  }
  expect_error(gap, "blocks under 'visual.layer3.' are not numbered");
  auto wrong_embed = state;
  wrong_embed["text_projection"] = torch::zeros({64, 12});
  expect_error(wrong_embed, "visual.attnpool.c_proj.weight");
}

}  // namespace
}  // namespace promptlab

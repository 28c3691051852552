// CLIP weight files: promptlab checkpoint round trip, checksum, and clear errors for
// truncated, corrupt, incomplete and mis-shaped inputs (ResNet archives: clip_resnet_test.cpp).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>

#include "clip/clip_test_support.hpp"
#include "clip/clip_weights.hpp"
#include "promptlab/clip_model.hpp"

namespace promptlab {
namespace {

namespace fs = std::filesystem;
using test::max_abs_diff;

// Expects load_clip(path) to throw with every one of `needles` in the message.
void expect_load_error(const fs::path& path, const std::vector<std::string>& needles) {
  try {
    load_clip(path.string());
    FAIL() << "loading " << path << " did not throw";
  } catch (const std::exception& e) {
    const std::string msg = e.what();
    for (const auto& needle : needles) EXPECT_NE(msg.find(needle), std::string::npos) << "missing '" << needle << "' in: " << msg;
  }
}

void truncate_copy(const fs::path& from, const fs::path& to, double fraction) {
  fs::copy_file(from, to, fs::copy_options::overwrite_existing);
  fs::resize_file(to, static_cast<std::uintmax_t>(static_cast<double>(fs::file_size(from)) * fraction));
}

class ClipWeights : public ::testing::Test {
 protected:
  void SetUp() override {
    PROMPTLAB_REQUIRE_PYTHON_TORCH();
    torch::set_num_threads(2);
    ref_dir_ = test::tiny_reference();
    ref_ = test::load_reference(ref_dir_);
    tmp_ = test::fresh_dir("clip-weights");
  }
  void TearDown() override {
    if (!tmp_.empty()) fs::remove_all(tmp_);
  }
  fs::path weights() const { return ref_dir_ / "weights.pt"; }
  fs::path ref_dir_, tmp_;
  test::Reference ref_;
};

TEST_F(ClipWeights, ReadsOpenAiArchiveAndConvertsHalfTensors) {
  EXPECT_TRUE(is_torchscript_archive(weights().string()));
  const auto state = read_clip_state(weights().string());
  EXPECT_EQ(state.at("visual.proj").scalar_type(), torch::kHalf);  // stored as released
  EXPECT_EQ(state.at("ln_final.weight").scalar_type(), torch::kFloat);
  EXPECT_EQ(state.count("context_length"), 0u);
  ClipModel model = load_clip(weights().string());
  for (const auto& p : model->parameters()) {
    EXPECT_EQ(p.scalar_type(), torch::kFloat);
    EXPECT_FALSE(p.requires_grad());
  }
  EXPECT_TRUE(torch::equal(model->named_parameters()["visual.proj"], state.at("visual.proj").to(torch::kFloat)));
}

TEST_F(ClipWeights, PromptlabCheckpointRoundTrip) {
  ClipModel original = load_clip(weights().string());
  const fs::path saved = tmp_ / "tiny.plclip";
  save_clip(original, saved.string());
  EXPECT_FALSE(is_torchscript_archive(saved.string()));
  ClipModel reloaded = load_clip(saved.string());
  const auto a = original->named_parameters();
  const auto b = reloaded->named_parameters();
  ASSERT_EQ(a.size(), b.size());
  for (const auto& item : a) EXPECT_TRUE(torch::equal(item.value(), b[item.key()])) << item.key();
  torch::NoGradGuard no_grad;
  EXPECT_LE(max_abs_diff(reloaded->encode_image(ref_.images), ref_.image_features), 1e-4);
  EXPECT_LE(max_abs_diff(reloaded->encode_text(ref_.tokens), ref_.text_features), 1e-4);
  // Same weights in either format hash alike.
  EXPECT_EQ(clip_checksum(saved.string()), clip_checksum(weights().string()));
}

TEST_F(ClipWeights, ChecksumIsStableAndSensitive) {
  const std::string sum = clip_checksum(weights().string());
  EXPECT_EQ(sum.size(), 32u);
  EXPECT_EQ(sum.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(sum, clip_checksum(weights().string()));
  ClipModel model = load_clip(weights().string());
  {
    torch::NoGradGuard no_grad;
    model->named_parameters()["ln_final.bias"][3] += 1e-3;
  }
  const fs::path changed = tmp_ / "changed.plclip";
  save_clip(model, changed.string());
  EXPECT_NE(clip_checksum(changed.string()), sum);
}

TEST_F(ClipWeights, TruncatedArchiveNamesTheFile) {
  const fs::path cut = tmp_ / "cut.pt";
  truncate_copy(weights(), cut, 0.5);
  expect_load_error(cut, {cut.string(), "truncated or corrupt"});
  ClipModel model = load_clip(weights().string());
  const fs::path saved = tmp_ / "full.plclip";
  save_clip(model, saved.string());
  const fs::path cut_ours = tmp_ / "cut.plclip";
  truncate_copy(saved, cut_ours, 0.7);
  expect_load_error(cut_ours, {cut_ours.string(), "truncated or corrupt"});
}

TEST_F(ClipWeights, GarbageAndMissingFiles) {
  const fs::path junk = tmp_ / "junk.pt";
  std::ofstream(junk) << "this is not a checkpoint\n";
  expect_load_error(junk, {junk.string()});
  expect_load_error(tmp_ / "absent.pt", {(tmp_ / "absent.pt").string(), "cannot open"});
  const fs::path empty = tmp_ / "empty.pt";
  std::ofstream{empty};
  expect_load_error(empty, {empty.string()});
}

TEST_F(ClipWeights, MissingKeyIsNamed) {
  expect_load_error(ref_dir_ / "broken_missing_key.pt", {"broken_missing_key.pt", "missing key", "ln_final.bias"});
}

TEST_F(ClipWeights, WrongShapeNamesKeyAndShapes) {
  expect_load_error(ref_dir_ / "broken_wrong_shape.pt",
                    {"broken_wrong_shape.pt", "transformer.resblocks.1.mlp.c_fc.weight", "[7, 3]", "[256, 64]"});
}

TEST_F(ClipWeights, UnexpectedKeyIsNamed) {
  auto state = read_clip_state(weights().string());
  state["visual.extra_thing"] = torch::zeros({2});
  const fs::path path = tmp_ / "extra.plclip";
  write_clip_state(state, infer_clip_config(state), path.string());
  expect_load_error(path, {path.string(), "unexpected key 'visual.extra_thing'"});
}

TEST(ClipConfigInference, ErrorsNameTheKey) {
  std::map<std::string, torch::Tensor> state{{"visual.proj", torch::zeros({8, 4})}};
  try {
    infer_clip_config(state);
    FAIL() << "no error";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("visual.conv1.weight"), std::string::npos) << e.what();
  }
  state["visual.conv1.weight"] = torch::zeros({64, 3, 8, 8});
  state["visual.positional_embedding"] = torch::zeros({6, 64});  // 5 is not a square
  try {
    infer_clip_config(state);
    FAIL() << "no error";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("visual.positional_embedding"), std::string::npos) << e.what();
  }
  std::map<std::string, torch::Tensor> vit_without_proj{{"visual.conv1.weight", torch::zeros({64, 3, 8, 8})}};
  try {
    infer_clip_config(vit_without_proj);
    FAIL() << "no error";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("missing key 'visual.proj'"), std::string::npos) << e.what();
  }
}

TEST(ClipWeightsNoPython, CheckpointRoundTripOfAFreshModel) {
  ClipConfig c;
  c.embed_dim = 8;
  c.image_resolution = 8;
  c.vision_patch = 4;
  c.vision_width = 64;
  c.vision_layers = 1;
  c.text_width = 64;
  c.text_layers = 1;
  c.vocab_size = 20;
  c.context_length = 6;
  torch::manual_seed(3);
  ClipModel model(c);
  const fs::path dir = test::fresh_dir("clip-fresh");
  const fs::path path = dir / "fresh.plclip";
  save_clip(model, path.string());
  ClipModel loaded = load_clip(path.string());
  EXPECT_EQ(loaded->config().context_length, 6);
  EXPECT_EQ(loaded->config().vision_patch, 4);
  torch::NoGradGuard no_grad;
  torch::Tensor ids = torch::tensor({{18, 3, 19, 0, 0, 0}, {18, 19, 0, 0, 0, 0}}, torch::kLong);
  EXPECT_TRUE(torch::equal(model->encode_text(ids), loaded->encode_text(ids)));
  EXPECT_EQ(clip_checksum(path.string()).size(), 32u);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace promptlab

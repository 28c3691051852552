// The released CLIP architectures at their real dimensions, with random weights, against the
// independent Python reference: architecture inference and features <= 1e-4 (fp32).
// Each test uses 1-2 images and 1-2 short texts and deletes its archive once loaded.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <ostream>

#include "clip/clip_test_support.hpp"
#include "promptlab/clip_model.hpp"

namespace promptlab {
namespace {

namespace fs = std::filesystem;
using test::max_abs_diff;

/// What a released model's archive must infer to.
struct Expected {
  VisionKind kind;
  std::int64_t vision_layers, vision_width, vision_patch, resolution, embed, text_width, vision_heads;
  std::array<std::int64_t, 4> resnet_layers{};  // ResNet only
};

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Generates `config`'s reference, loads its model, checks the architecture, runs
// `with_archive` while the archive exists, deletes it, then compares features.
void expect_matches_reference(const std::string& config, const Expected& want,
                              const std::function<void(const fs::path&)>& with_archive = {}) {
  torch::set_num_threads(2);
  const auto start = std::chrono::steady_clock::now();
  const fs::path dir = test::fresh_dir("clip-reference-" + config);
  test::run_reference(config, dir);
  std::printf("  reference generated in %.1f s\n", seconds_since(start));
  const test::Reference ref = test::load_reference(dir);
  ClipModel model{nullptr};
  try {
    model = load_clip((dir / "weights.pt").string());
    if (with_archive) with_archive(dir);
  } catch (...) {
    fs::remove_all(dir);
    throw;
  }
  fs::remove_all(dir);
  std::printf("  loaded at %.1f s\n", seconds_since(start));
  const ClipConfig& c = model->config();
  EXPECT_EQ(c.vision_kind, want.kind);
  EXPECT_EQ(c.vision_layers, want.vision_layers);
  if (want.kind == VisionKind::kResNet) EXPECT_EQ(c.resnet_layers, want.resnet_layers);
  EXPECT_EQ(c.vision_width, want.vision_width);
  EXPECT_EQ(c.vision_patch, want.vision_patch);
  EXPECT_EQ(c.image_resolution, want.resolution);
  EXPECT_EQ(c.embed_dim, want.embed);
  EXPECT_EQ(c.vision_heads(), want.vision_heads);
  EXPECT_EQ(c.text_width, want.text_width);
  EXPECT_EQ(c.text_layers, 12);
  EXPECT_EQ(c.text_heads(), want.text_width / 64);
  EXPECT_EQ(c.context_length, 77);
  EXPECT_EQ(c.vocab_size, 49408);
  torch::NoGradGuard no_grad;
  test::expect_features_match(model->encode_image(ref.images), ref.image_features);
  test::expect_features_match(model->encode_text(ref.tokens), ref.text_features);
  std::printf("  done in %.1f s\n", seconds_since(start));
}

/// A released ViT: the reference script's config name and the architecture.
struct ReleasedVit {
  const char* config;
  Expected expected;
};

// Names the parameter in test names (ctest shows ".../MatchesReference/l14_336").
void PrintTo(const ReleasedVit& vit, std::ostream* out) { *out << vit.config; }

class ClipVit : public ::testing::TestWithParam<ReleasedVit> {};

TEST_P(ClipVit, MatchesReference) {
  PROMPTLAB_REQUIRE_PYTHON_TORCH();
  expect_matches_reference(GetParam().config, GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    Released, ClipVit,
    ::testing::Values(ReleasedVit{"b16", {VisionKind::kViT, 12, 768, 16, 224, 512, 512, 12}},
                      ReleasedVit{"b32", {VisionKind::kViT, 12, 768, 32, 224, 512, 512, 12}},
                      ReleasedVit{"l14", {VisionKind::kViT, 24, 1024, 14, 224, 768, 768, 16}},
                      ReleasedVit{"l14_336", {VisionKind::kViT, 24, 1024, 14, 336, 768, 768, 16}}));

// RN50, also through `promptlab encode --image` (decode, test transform, image tower).
TEST(ClipRN50, MatchesReference) {
  PROMPTLAB_REQUIRE_PYTHON_TORCH();
  const auto encode_with_cli = [](const fs::path& dir) {
    if (!fs::exists(PROMPTLAB_CLI)) return;
    const test::CommandResult r =
        test::run_command(std::string("'") + PROMPTLAB_CLI + "' --threads 2 encode --weights '" +
                              (dir / "weights.pt").string() + "' --image '" + (dir / "image0.png").string() + "'",
                          false);
    ASSERT_EQ(r.status, 0) << r.output;
    const torch::Tensor expected = test::read_raw(dir / "image0_features.bin", {1, 1024}, torch::kFloat);
    EXPECT_LE(max_abs_diff(test::encoded_features(r), expected), 1e-4) << "promptlab encode";
  };
  expect_matches_reference("rn50", {VisionKind::kResNet, 16, 64, 32, 224, 1024, 512, 32, {{3, 4, 6, 3}}}, encode_with_cli);
}

}  // namespace
}  // namespace promptlab

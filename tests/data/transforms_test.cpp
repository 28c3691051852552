// The protocol's transforms: shapes, normalisation, centre-crop offsets, random crops, flips.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "data/image_test_util.hpp"
#include "data/transforms.hpp"

namespace promptlab {
namespace {

float normalised(int v, int c) { return (static_cast<float>(v) / 255.0f - kClipMean[c]) / kClipStd[c]; }

TEST(Transforms, NormalisedTensorLayoutAndValues) {
  Image image = test::solid_image(5, 4, 0, 128, 255);
  image.at(3, 1)[0] = 77;
  const torch::Tensor t = to_normalized_tensor(image);
  ASSERT_EQ(t.sizes(), torch::IntArrayRef({3, 4, 5}));
  EXPECT_EQ(t.scalar_type(), torch::kFloat32);
  EXPECT_FLOAT_EQ(t[0][0][0].item<float>(), normalised(0, 0));
  EXPECT_FLOAT_EQ(t[1][2][4].item<float>(), normalised(128, 1));
  EXPECT_FLOAT_EQ(t[2][3][2].item<float>(), normalised(255, 2));
  EXPECT_FLOAT_EQ(t[0][1][3].item<float>(), normalised(77, 0));
  EXPECT_NEAR(t[0][0][0].item<float>(), -0.48145466 / 0.26862954, 1e-5);
  EXPECT_NEAR(t[2][0][0].item<float>(), (1.0 - 0.40821073) / 0.27577711, 1e-5);
}

TEST(Transforms, TestTransformShapesAndSolidValues) {
  for (const auto& [w, h] : std::vector<std::pair<int, int>>{{500, 375}, {375, 500}, {224, 224}, {100, 60}}) {
    const Image image = test::solid_image(w, h, 30, 140, 220);
    const torch::Tensor t = test_transform(image, 224);
    ASSERT_EQ(t.sizes(), torch::IntArrayRef({3, 224, 224})) << w << "x" << h;
    EXPECT_TRUE(torch::allclose(t[0], torch::full({224, 224}, normalised(30, 0))));
    EXPECT_TRUE(torch::allclose(t[1], torch::full({224, 224}, normalised(140, 1))));
    EXPECT_TRUE(torch::allclose(t[2], torch::full({224, 224}, normalised(220, 2))));
  }
}

TEST(Transforms, TestTransformPlanFollowsTorchvision) {
  ResizeCropPlan p = test_transform_plan(500, 375, 224);
  EXPECT_EQ(p.resize_width, 298);  // int(224 * 500 / 375) = int(298.67)
  EXPECT_EQ(p.resize_height, 224);
  EXPECT_EQ(p.crop_x, 37);
  EXPECT_EQ(p.crop_y, 0);
  p = test_transform_plan(375, 500, 224);
  EXPECT_EQ(p.resize_width, 224);
  EXPECT_EQ(p.resize_height, 298);
  EXPECT_EQ(p.crop_x, 0);
  EXPECT_EQ(p.crop_y, 37);
  // Python round() sends halves to even: (225-224)/2 = 0.5 -> 0, (227-224)/2 = 1.5 -> 2, 2.5 -> 2, 3.5 -> 4.
  EXPECT_EQ(test_transform_plan(225, 224, 224).crop_x, 0);
  EXPECT_EQ(test_transform_plan(227, 224, 224).crop_x, 2);
  EXPECT_EQ(test_transform_plan(229, 224, 224).crop_x, 2);
  EXPECT_EQ(test_transform_plan(224, 231, 224).crop_y, 4);
  // Upscaling: 100x60 -> shorter side 224, longer int(224 * 100 / 60) = 373, crop round(74.5) = 74.
  p = test_transform_plan(100, 60, 224);
  EXPECT_EQ(p.resize_width, 373);
  EXPECT_EQ(p.crop_x, 74);
}

TEST(Transforms, TestTransformIsResizeThenCentreCrop) {
  const Image image = test::pattern_image(227, 300, 9);
  const ResizeCropPlan p = test_transform_plan(227, 300, 64);
  const Image expected =
      crop(resize_bicubic(image, p.resize_width, p.resize_height), p.crop_x, p.crop_y, 64, 64);
  EXPECT_TRUE(torch::equal(test_transform(image, 64), to_normalized_tensor(expected)));
}

TEST(Transforms, CropIsClampedToTheImage) {
  const Image image = test::pattern_image(10, 8);
  const Image c = crop(image, 7, 6, 10, 10);
  EXPECT_EQ(c.width, 3);
  EXPECT_EQ(c.height, 2);
  EXPECT_EQ(c.at(0, 0)[2], image.at(7, 6)[2]);
  EXPECT_EQ(c.at(2, 1)[0], image.at(9, 7)[0]);
}

TEST(Transforms, RandomResizedCropBoxesStayInRange) {
  Rng rng(42);
  int distinct_x = 0;
  std::set<int> xs;
  for (int i = 0; i < 500; ++i) {
    const CropBox b = random_resized_crop_box(500, 375, rng);
    ASSERT_GE(b.x, 0);
    ASSERT_GE(b.y, 0);
    ASSERT_LE(b.x + b.width, 500);
    ASSERT_LE(b.y + b.height, 375);
    const double area = static_cast<double>(b.width) * b.height / (500.0 * 375.0);
    EXPECT_GE(area, 0.07);
    EXPECT_LE(area, 1.0);
    const double ratio = static_cast<double>(b.width) / b.height;
    EXPECT_GE(ratio, 0.7);
    EXPECT_LE(ratio, 1.4);
    xs.insert(b.x);
  }
  distinct_x = static_cast<int>(xs.size());
  EXPECT_GT(distinct_x, 100);
}

TEST(Transforms, TrainTransformHonoursAMilderCropScale) {
  const Image image = test::pattern_image(64, 64, 4);
  for (std::uint64_t seed = 0; seed < 32; ++seed) {
    Rng replay(seed), rng(seed);
    const CropBox box = random_resized_crop_box(64, 64, replay, 0.6);
    EXPECT_GE(box.width * box.height, static_cast<int>(0.6 * 64 * 64) - 64) << seed;  // rounding of each side
    const bool flip = replay.uniform() < 0.5;
    Image expected = resize_bicubic(crop(image, box.x, box.y, box.width, box.height), 16, 16);
    if (flip) expected = flip_horizontal(expected);
    EXPECT_TRUE(torch::equal(train_transform(image, 16, rng, 0.6), to_normalized_tensor(expected))) << seed;
  }
  Rng rng(3);
  for (double bad : {0.0, 1.5}) {
    try {
      train_transform(image, 16, rng, bad);
      ADD_FAILURE() << "scale_min " << bad << " was accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("crop scale_min"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("outside (0, 1]"), std::string::npos) << e.what();
    }
  }
}

TEST(Transforms, RandomResizedCropFallsBackToClampedCentre) {
  // No crop of a 1000x10 strip can satisfy scale >= 0.08 with ratio <= 4/3: all ten tries fail.
  Rng rng(1);
  const CropBox b = random_resized_crop_box(1000, 10, rng);
  EXPECT_EQ(b.height, 10);
  EXPECT_EQ(b.width, 13);  // round(10 * 4/3)
  EXPECT_EQ(b.x, (1000 - 13) / 2);
  EXPECT_EQ(b.y, 0);
  const CropBox tall = random_resized_crop_box(10, 1000, rng);
  EXPECT_EQ(tall.width, 10);
  EXPECT_EQ(tall.height, 13);  // round(10 / (3/4))
  EXPECT_EQ(tall.y, (1000 - 13) / 2);
}

TEST(Transforms, TrainTransformIsDeterministicPerSeed) {
  const Image image = test::pattern_image(500, 375, 4);
  Rng a(mix_seed(1, 17)), b(mix_seed(1, 17)), c(mix_seed(2, 17));
  const torch::Tensor ta = train_transform(image, 224, a);
  const torch::Tensor tb = train_transform(image, 224, b);
  const torch::Tensor tc = train_transform(image, 224, c);
  ASSERT_EQ(ta.sizes(), torch::IntArrayRef({3, 224, 224}));
  EXPECT_TRUE(torch::equal(ta, tb));
  EXPECT_FALSE(torch::equal(ta, tc));
}

TEST(Transforms, TrainTransformIsCropResizeAndMaybeFlip) {
  const Image image = test::pattern_image(200, 150, 8);
  int flipped = 0, kept = 0;
  for (std::uint64_t seed = 0; seed < 16; ++seed) {
    Rng replay(seed);
    const CropBox box = random_resized_crop_box(200, 150, replay);
    const bool flip = replay.uniform() < 0.5;
    Image expected = resize_bicubic(crop(image, box.x, box.y, box.width, box.height), 32, 32);
    if (flip) expected = flip_horizontal(expected);
    Rng rng(seed);
    EXPECT_TRUE(torch::equal(train_transform(image, 32, rng), to_normalized_tensor(expected))) << seed;
    (flip ? flipped : kept)++;
  }
  EXPECT_GT(flipped, 0);
  EXPECT_GT(kept, 0);
}

TEST(Transforms, FlipMirrorsColumns) {
  const Image image = test::pattern_image(7, 3);
  const Image f = flip_horizontal(image);
  for (int y = 0; y < 3; ++y) {
    for (int x = 0; x < 7; ++x) {
      for (int c = 0; c < 3; ++c) EXPECT_EQ(f.at(x, y)[c], image.at(6 - x, y)[c]);
    }
  }
  EXPECT_EQ(flip_horizontal(f).pixels, image.pixels);
}

TEST(Transforms, RejectsEmptyImagesAndBadResolution) {
  Rng rng(0);
  EXPECT_THROW(test_transform(Image{}, 224), std::invalid_argument);
  EXPECT_THROW(train_transform(Image{}, 224, rng), std::invalid_argument);
  EXPECT_THROW(test_transform(test::pattern_image(4, 4), 0), std::invalid_argument);
}

}  // namespace
}  // namespace promptlab

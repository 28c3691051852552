// resize_bicubic against PIL's Image.resize(BICUBIC) and basic resampling properties.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "data/image_io.hpp"
#include "data/image_test_util.hpp"
#include "data/transforms.hpp"

namespace promptlab {
namespace {

struct Diff {
  int max = 0;
  double mean = 0;
};

Diff compare(const std::vector<std::uint8_t>& a, const std::vector<std::uint8_t>& b) {
  Diff d;
  double total = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const int v = std::abs(int(a[i]) - int(b[i]));
    d.max = std::max(d.max, v);
    total += v;
  }
  d.mean = a.empty() ? 0 : total / static_cast<double>(a.size());
  return d;
}

// Runs the PIL reference on `source` and compares every size; `crop` is "x,y,w,h" or empty.
void check_against_pil(const Image& image, const std::vector<std::pair<int, int>>& sizes, const std::string& tag,
                       const std::string& crop_arg = "", const Image* cropped = nullptr) {
  const auto dir = test::fresh_dir("pil_resize_" + tag);
  const auto png = dir / "source.png";
  write_png(image, png.string());
  std::string cmd = "/usr/bin/python3 " + std::string(PROMPTLAB_SOURCE_DIR) + "/tests/data/reference/pil_resize.py " +
                    png.string() + " " + dir.string();
  if (!crop_arg.empty()) cmd += " --crop " + crop_arg;
  for (const auto& [w, h] : sizes) cmd += " " + std::to_string(w) + "x" + std::to_string(h);
  ASSERT_EQ(test::run_command(cmd), 0) << cmd;
  const Image& input = cropped != nullptr ? *cropped : image;
  for (const auto& [w, h] : sizes) {
    const auto expected = test::read_bytes(dir / ("resize_" + std::to_string(w) + "x" + std::to_string(h) + ".rgb"));
    const Image ours = resize_bicubic(input, w, h);
    ASSERT_EQ(ours.width, w);
    ASSERT_EQ(ours.height, h);
    ASSERT_EQ(expected.size(), ours.pixels.size()) << tag << " " << w << "x" << h;
    const Diff d = compare(ours.pixels, expected);
    std::printf("[ PIL diff ] %s %dx%d -> %dx%d: max %d, mean %.5f\n", tag.c_str(), input.width, input.height, w, h,
                d.max, d.mean);
    EXPECT_LE(d.max, 1) << tag << " " << w << "x" << h;
  }
}

TEST(ResizeBicubic, MatchesPilOnSmallImage) {
  if (!test::have_python_pil()) GTEST_SKIP() << "/usr/bin/python3 with PIL not available";
  // Up, down, odd sizes, one axis only, and shrinking below a third.
  check_against_pil(test::pattern_image(97, 61), {{224, 224}, {224, 141}, {48, 30}, {97, 33}, {31, 61}, {13, 7},
                                                  {150, 17}, {1, 1}, {300, 200}},
                    "small");
}

TEST(ResizeBicubic, MatchesPilDownTo224) {
  if (!test::have_python_pil()) GTEST_SKIP() << "/usr/bin/python3 with PIL not available";
  // The test transform's resize for a 500x375 photo, plus a strong downscale.
  check_against_pil(test::pattern_image(500, 375, 21), {{298, 224}, {224, 224}, {100, 75}, {37, 29}}, "large");
}

TEST(ResizeBicubic, MatchesPilAfterCrop) {
  if (!test::have_python_pil()) GTEST_SKIP() << "/usr/bin/python3 with PIL not available";
  const Image image = test::pattern_image(160, 120, 5);
  const Image cropped = crop(image, 17, 9, 111, 83);
  check_against_pil(image, {{224, 224}, {64, 64}}, "crop", "17,9,111,83", &cropped);
}

TEST(ResizeBicubic, SameSizeIsIdentityAndConstantStaysConstant) {
  const Image image = test::pattern_image(31, 17);
  EXPECT_EQ(resize_bicubic(image, 31, 17).pixels, image.pixels);
  const Image solid = test::solid_image(45, 33, 12, 130, 250);
  for (const auto& [w, h] : std::vector<std::pair<int, int>>{{224, 224}, {7, 5}, {45, 100}, {90, 33}}) {
    const Image out = resize_bicubic(solid, w, h);
    for (std::size_t i = 0; i < out.pixels.size(); i += 3) {
      ASSERT_EQ(out.pixels[i], 12);
      ASSERT_EQ(out.pixels[i + 1], 130);
      ASSERT_EQ(out.pixels[i + 2], 250);
    }
  }
}

TEST(ResizeBicubic, CroppedResizeEqualsResizeThenCrop) {
  const Image image = test::pattern_image(83, 59, 13);
  struct Case {
    int w, h, x, y, cw, ch;
  };
  for (const Case& c : std::vector<Case>{{120, 85, 10, 3, 64, 70},  // both axes
                                         {83, 40, 5, 0, 70, 40},    // vertical only
                                         {40, 59, 0, 7, 33, 50},    // horizontal only
                                         {83, 59, 2, 2, 10, 10},    // no resize
                                         {30, 20, 29, 19, 1, 1}}) {
    const Image expected = crop(resize_bicubic(image, c.w, c.h), c.x, c.y, c.cw, c.ch);
    const Image ours = resize_bicubic_crop(image, c.w, c.h, c.x, c.y, c.cw, c.ch);
    EXPECT_EQ(ours.width, c.cw);
    EXPECT_EQ(ours.height, c.ch);
    EXPECT_EQ(ours.pixels, expected.pixels) << c.w << "x" << c.h;
  }
  EXPECT_THROW(resize_bicubic_crop(image, 30, 20, 25, 0, 10, 5), std::invalid_argument);
}

TEST(ResizeBicubic, RejectsBadSizes) {
  const Image image = test::pattern_image(8, 8);
  EXPECT_THROW(resize_bicubic(image, 0, 5), std::invalid_argument);
  EXPECT_THROW(resize_bicubic(Image{}, 5, 5), std::invalid_argument);
}

}  // namespace
}  // namespace promptlab

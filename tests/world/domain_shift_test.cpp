// dg-tiny's targets: tiny_shapes' classes redrawn as sketches, under noise, and cluttered.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "world/domain_shift.hpp"
#include "world/suite.hpp"
#include "world/suite_dataset.hpp"

namespace promptlab::world {
namespace {

Image stripes() {
  Image img;
  img.width = 8;
  img.height = 8;
  img.pixels.assign(8 * 8 * 3, 0);
  for (int y = 0; y < 8; ++y)
    for (int x = 4; x < 8; ++x) img.at(x, y)[0] = 200;  // a red right half
  return img;
}

TEST(DomainShift, SketchIsGreyEdgesOnWhite) {
  const Image out = apply_domain_shift(stripes(), DomainShift::kSketch, 1);
  for (int y = 0; y < 8; ++y) {
    for (int x = 0; x < 8; ++x) {
      const std::uint8_t* p = out.at(x, y);
      EXPECT_EQ(p[0], p[1]);
      EXPECT_EQ(p[1], p[2]);
    }
  }
  EXPECT_EQ(out.at(1, 4)[0], 255);  // flat: white
  EXPECT_LT(out.at(4, 4)[0], 128);  // at the edge: dark
}

TEST(DomainShift, NoiseIsDeterministicPerSeed) {
  const Image a = apply_domain_shift(stripes(), DomainShift::kNoisy, 7);
  EXPECT_EQ(a.pixels, apply_domain_shift(stripes(), DomainShift::kNoisy, 7).pixels);
  EXPECT_NE(a.pixels, apply_domain_shift(stripes(), DomainShift::kNoisy, 8).pixels);
  EXPECT_NE(a.pixels, stripes().pixels);
  EXPECT_EQ(apply_domain_shift(stripes(), DomainShift::kNone, 7).pixels, stripes().pixels);
}

TEST(DomainShift, TargetsAreTestOnlyRedrawingsOfTinyShapes) {
  const auto targets = embedded_target_names();
  EXPECT_EQ(targets, (std::vector<std::string>{"tiny_shapes_sketch", "tiny_shapes_noisy", "tiny_shapes_clutter"}));
  const auto suite = embedded_dataset_names();
  for (const auto& t : targets) EXPECT_EQ(std::count(suite.begin(), suite.end(), t), 0) << "not in the default suite";
  auto shapes = open_embedded_dataset("tiny_shapes");
  auto sketch = open_embedded_dataset("tiny_shapes_sketch");
  auto clutter = open_embedded_dataset("tiny_shapes_clutter");
  EXPECT_EQ(sketch->classnames(), shapes->classnames());
  EXPECT_EQ(clutter->classnames().size(), shapes->classnames().size() / 2);  // a subset, as ImageNet-A's
  EXPECT_EQ(clutter->classnames()[1], shapes->classnames()[2]);
  EXPECT_TRUE(sketch->items(Split::kTrain).empty());
  EXPECT_EQ(sketch->items(Split::kTest).size(), shapes->items(Split::kTest).size());
  EXPECT_NE(sketch->content_key(), shapes->content_key());
  const Image img = sketch->load_image(sketch->items(Split::kTest)[0]);
  std::set<int> colours;
  for (std::size_t i = 0; i < img.pixels.size(); i += 3) {
    EXPECT_EQ(img.pixels[i], img.pixels[i + 1]);
    colours.insert(img.pixels[i]);
  }
  EXPECT_GT(colours.size(), 2u) << "a sketch has strokes";
}

}  // namespace
}  // namespace promptlab::world

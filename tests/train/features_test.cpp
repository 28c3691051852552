// Frozen image features: the train view's crop scale is part of what the cache keys on.
#include <gtest/gtest.h>

#include <filesystem>

#include "data/feature_cache.hpp"
#include "plugins/tiny_clip.hpp"
#include "train/features.hpp"
#include "train/model_source.hpp"
#include "world/suite.hpp"

using namespace promptlab;

namespace {

ModelBundle tiny_bundle() {
  ModelBundle m;
  m.clip = test::tiny_clip();
  m.checksum = "tiny-random-7";
  return m;
}

std::filesystem::path scratch(const std::string& tag) {
  auto p = std::filesystem::path(PROMPTLAB_BUILD_DIR) / "test-tmp" / tag;
  std::filesystem::remove_all(p);
  std::filesystem::create_directories(p);
  return p;
}

}  // namespace

TEST(ImageFeatures, CropScaleIsPartOfTheCacheKey) {
  ModelBundle model = tiny_bundle();
  auto dataset = open_embedded_dataset("tiny_shapes");
  auto items = dataset->items(Split::kTrain);
  items.resize(6);
  const auto dir = scratch("features_crop_scale");
  FeatureCache cache(dir.string(), model.checksum);
  std::vector<std::string> warnings;
  const torch::Tensor reference = image_features(model, *dataset, items, "train", 0, cache, warnings);
  const torch::Tensor mild = image_features(model, *dataset, items, "train", 0, cache, warnings, nullptr, 0.8);
  ASSERT_EQ(reference.sizes(), mild.sizes());
  EXPECT_FALSE(torch::allclose(reference, mild)) << "a milder crop must not be served the reference crop's cache";
  // Served again (from the cache now), each crop scale gives back its own features.
  FeatureCache reopened(dir.string(), model.checksum);
  EXPECT_TRUE(torch::equal(image_features(model, *dataset, items, "train", 0, reopened, warnings, nullptr, 0.8), mild));
  EXPECT_TRUE(torch::equal(image_features(model, *dataset, items, "train", 0, reopened, warnings), reference));
  EXPECT_TRUE(warnings.empty());
}

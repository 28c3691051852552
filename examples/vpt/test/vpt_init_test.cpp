// VPT's initialisation and prompt layout on hand-computed values.
#include <gtest/gtest.h>

#include <promptlab/prompt/context_init.hpp>

#include "vpt_init.hpp"

namespace {

TEST(VptInit, TheBoundIsXaviersForThePatchEmbedding) {
  // ViT-B/16: 6 / (3 * 256 + 768) = 1 / 256, so the bound is 1 / 16.
  EXPECT_DOUBLE_EQ(vpt::init_bound(16, 768), 0.0625);
  // The embedded CLIP's 8-pixel patches at width 192: 6 / 384 = 1 / 64, so 1 / 8.
  EXPECT_DOUBLE_EQ(vpt::init_bound(8, 192), 0.125);
  EXPECT_THROW(vpt::init_bound(0, 64), std::invalid_argument);
}

TEST(VptInit, PromptsFillTheBoundAndRepeatWithTheSeed) {
  const torch::Tensor a = vpt::initial_prompts(3, 4, 16, 768, promptlab::seeded_generator(1));
  EXPECT_EQ(a.sizes(), (std::vector<std::int64_t>{3, 4, 768}));
  EXPECT_LE(a.abs().max().item<double>(), 0.0625);
  EXPECT_GT(a.abs().max().item<double>(), 0.06);  // 9216 uniform draws reach near the bound
  EXPECT_TRUE(torch::equal(a, vpt::initial_prompts(3, 4, 16, 768, promptlab::seeded_generator(1))));
  EXPECT_FALSE(torch::equal(a, vpt::initial_prompts(3, 4, 16, 768, promptlab::seeded_generator(2))));
  const auto layers = vpt::per_layer(a);
  ASSERT_EQ(layers.size(), 3u);
  EXPECT_TRUE(torch::equal(layers[2], a[2]));
}

TEST(IvlpLayout, LanguagePromptsStartAtLayerOne) {
  // Two deep layers of 4 tokens: layer 0 is left to the context, layers 1 and 2 get the prompts.
  const torch::Tensor p = torch::arange(2 * 4 * 3, torch::kFloat).view({2, 4, 3});
  const auto layers = vpt::language_layers(p);
  ASSERT_EQ(layers.size(), 3u);
  EXPECT_FALSE(layers[0].defined());
  EXPECT_TRUE(torch::equal(layers[1], p[0]));
  EXPECT_EQ(layers[2][3][2].item<float>(), 23.0f);  // the last of 24 values, 0..23
  EXPECT_EQ(vpt::language_layers(torch::empty({0, 4, 3})).size(), 1u);  // depth 1: the context alone
}

}  // namespace

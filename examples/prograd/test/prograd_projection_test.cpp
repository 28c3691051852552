// ProGrad's projection on gradients small enough to project by hand.
#include <gtest/gtest.h>

#include <cmath>

#include "prograd_projection.hpp"

namespace {

std::vector<torch::Tensor> grad(std::vector<float> a, std::vector<float> b) {
  return {torch::tensor(a), torch::tensor(b)};
}

TEST(ProGradProjection, AConflictingGradientLosesItsComponentAlongTheKlGradient) {
  // g_ce = ([1, 0], [0]), g_kl = ([-1, 1], [0]): dot -1, |g_kl|^2 = 2,
  // so g = g_ce + 0.5 * g_kl = ([0.5, 0.5], [0]), and g . g_kl = 0.
  const auto p = prograd::project_conflicting(grad({1, 0}, {0}), grad({-1, 1}, {0}), 1.0);
  EXPECT_TRUE(p.projected.item<bool>());
  EXPECT_NEAR(p.cosine.item<double>(), -1.0 / std::sqrt(2.0), 1e-12);
  EXPECT_TRUE(torch::allclose(p.gradient[0], torch::tensor({0.5f, 0.5f})));
  EXPECT_TRUE(torch::allclose(p.gradient[1], torch::tensor({0.0f})));
}

TEST(ProGradProjection, TheDotProductRunsOverEveryParameterTogether) {
  // Per tensor the first pair agrees (1 * 1) and the second conflicts (2 * -3): together -5, and
  // |g_kl|^2 = 1 + 9 = 10, so with lambda 0.5, g = g_ce + 0.25 * g_kl.
  const auto p = prograd::project_conflicting(grad({1}, {2}), grad({1}, {-3}), 0.5);
  EXPECT_TRUE(p.projected.item<bool>());
  EXPECT_TRUE(torch::allclose(p.gradient[0], torch::tensor({1.25f})));
  EXPECT_TRUE(torch::allclose(p.gradient[1], torch::tensor({1.25f})));
}

TEST(ProGradProjection, AnAgreeingOrZeroKlGradientLeavesTheCrossEntropyGradient) {
  const auto agree = prograd::project_conflicting(grad({1, 2}, {3}), grad({1, 0}, {1}), 1.0);
  EXPECT_FALSE(agree.projected.item<bool>());
  EXPECT_TRUE(torch::equal(agree.gradient[0], torch::tensor({1.0f, 2.0f})));
  EXPECT_NEAR(agree.cosine.item<double>(), 4.0 / std::sqrt(14.0 * 2.0), 1e-12);
  const auto zero = prograd::project_conflicting(grad({1, 2}, {3}), grad({0, 0}, {0}), 1.0);
  EXPECT_FALSE(zero.projected.item<bool>());
  EXPECT_TRUE(torch::equal(zero.gradient[1], torch::tensor({3.0f})));
}

}  // namespace

// KgCoOp's term on features whose cosines are known by hand.
#include <gtest/gtest.h>

#include <cmath>

#include "kg_term.hpp"

namespace {

TEST(KgTerm, IsTheWeightedMeanCosineDistance) {
  // Class 0 matches its hand-written feature (cos 1), class 1 is orthogonal to it (cos 0),
  // class 2 is at 60 degrees (cos 0.5): 8 * (1 - 1.5 / 3) = 4.
  const torch::Tensor learned = torch::tensor({{1.0f, 0.0f}, {0.0f, 3.0f}, {0.5f, std::sqrt(3.0f) / 2}});
  const torch::Tensor hand = torch::tensor({{2.0f, 0.0f}, {1.0f, 0.0f}, {1.0f, 0.0f}});
  EXPECT_NEAR(kgcoop::kg_term(learned, hand, 8.0).item<double>(), 4.0, 1e-6);
  EXPECT_NEAR(kgcoop::kg_term(hand, hand, 8.0).item<double>(), 0.0, 1e-6);
}

TEST(KgTerm, ItsGradientPullsTheLearnedFeatureTowardsTheHandWrittenOne) {
  // d/dx of w * (1 - cos(x, e1)) for one class x = (0, 1): -w * (e1 - cos * x) / |x| = (-w, 0).
  const torch::Tensor learned = torch::tensor({{0.0f, 1.0f}}).requires_grad_(true);
  kgcoop::kg_term(learned, torch::tensor({{1.0f, 0.0f}}), 2.0).backward();
  EXPECT_TRUE(torch::allclose(learned.grad(), torch::tensor({{-2.0f, 0.0f}}), 1e-5, 1e-6));
}

TEST(KgTerm, DifferentShapesAreRefused) {
  EXPECT_THROW(kgcoop::kg_term(torch::zeros({2, 4}), torch::zeros({3, 4}), 8.0), std::invalid_argument);
}

}  // namespace

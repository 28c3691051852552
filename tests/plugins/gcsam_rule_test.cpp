// GCSAM: each branch on hand-computed vectors, the full rule on a quadratic, weight decay after restore.
#include <gtest/gtest.h>

#include <cmath>

#include "gcscoop/gcsam_rule.hpp"
#include "gcscoop/gradient_constraint.hpp"
#include "expect_values.hpp"
#include "quadratic_objective.hpp"
#include "train/sgd.hpp"

namespace promptlab {
namespace {

using test::expect_values;

const torch::Tensor kX = torch::tensor({1.f, 0.f});

TEST(GradientConstraint, AlignedUsesSamGradient) {
  auto r = constrain_gradient(kX, torch::tensor({2.f, 0.f}), 0.5, 0.8);
  EXPECT_EQ(r.branch_taken(), GcsamBranch::kSam);
  EXPECT_DOUBLE_EQ(r.cosine.item<double>(), 1.0);
  expect_values(r.gradient, {1.0, 0.0});
}

TEST(GradientConstraint, BetweenBetasProjectsOnSum) {
  // c = 1/sqrt(2); z = [2, 1]; (x . z) z / |z|^2 = 2/5 [2, 1].
  auto r = constrain_gradient(kX, torch::tensor({1.f, 1.f}), 0.5, 0.8);
  EXPECT_EQ(r.branch_taken(), GcsamBranch::kProjection);
  EXPECT_NEAR(r.cosine.item<double>(), 1.0 / std::sqrt(2.0), 1e-12);
  expect_values(r.gradient, {0.8, 0.4});
}

TEST(GradientConstraint, BelowBeta1FallsBackToPlainGradient) {
  auto r = constrain_gradient(kX, torch::tensor({0.f, 1.f}), 0.5, 0.8);
  EXPECT_EQ(r.branch_taken(), GcsamBranch::kPlain);
  expect_values(r.gradient, {0.0, 1.0});
}

TEST(GradientConstraint, BoundariesAreInclusiveAtBothEnds) {
  // cos([1,0],[4,3]) = 0.8 exactly -> SAM; cos([1,0],[3,4]) = 0.6 exactly -> plain when beta1 = 0.6.
  EXPECT_EQ(constrain_gradient(kX, torch::tensor({4.f, 3.f}), 0.6, 0.8).branch_taken(), GcsamBranch::kSam);
  EXPECT_EQ(constrain_gradient(kX, torch::tensor({3.f, 4.f}), 0.6, 0.8).branch_taken(), GcsamBranch::kPlain);
}

TEST(GradientConstraint, NonPositiveBeta1HasOnlyTwoBranches) {
  // c = 0 <= beta1 = 0 would be "plain" with three branches; with beta1 <= 0 it projects: z = [1,1].
  auto r = constrain_gradient(kX, torch::tensor({0.f, 1.f}), 0.0, 0.8);
  EXPECT_EQ(r.branch_taken(), GcsamBranch::kProjection);
  expect_values(r.gradient, {0.5, 0.5});
  auto opposite = constrain_gradient(kX, torch::tensor({-1.f, 0.1f}), -0.5, 0.8);
  EXPECT_EQ(opposite.branch_taken(), GcsamBranch::kProjection);
  EXPECT_EQ(constrain_gradient(kX, torch::tensor({1.f, 0.f}), -0.5, 0.8).branch_taken(), GcsamBranch::kSam);
}

// Three tensors, each with y = [1, 1] at w = [1, 1] (||y|| = sqrt 6 over all) and rho = sqrt 6,
// so eps_i = y_i and x_i = y_i + A_i y_i: A1 = 2I -> x = [3,3] (c = 1, SAM);
// A2 = diag(-1, 1) -> x = [0, 2] (c = 0.707, projection [0.6, 1.8]); A3 = diag(-2, 2) -> x = [-1, 3]
// (c = 0.447, plain).
test::QuadraticObjective three_branch_objective() {
  test::QuadraticObjective obj;
  obj.add({1.f, 1.f}, {2.f, 2.f}, {-1.f, -1.f});
  obj.add({1.f, 1.f}, {-1.f, 1.f}, {2.f, 0.f});
  obj.add({1.f, 1.f}, {-2.f, 2.f}, {3.f, -1.f});
  return obj;
}

TEST(GradientConstraint, ZeroGradientsAreADefinedCase) {
  // A zero vector has no direction: the cosine is defined as 0, nothing is NaN.
  const torch::Tensor zero = torch::zeros({2});
  auto plain = constrain_gradient(zero, torch::tensor({1.f, 2.f}), 0.5, 0.8);  // 0 <= beta1: plain
  EXPECT_EQ(plain.cosine.item<double>(), 0.0);
  EXPECT_EQ(plain.branch_taken(), GcsamBranch::kPlain);
  expect_values(plain.gradient, {1.0, 2.0});
  auto both = constrain_gradient(zero, zero, -0.5, 0.8);  // two branches; z = 0 projects to zero
  EXPECT_EQ(both.branch_taken(), GcsamBranch::kProjection);
  expect_values(both.gradient, {0.0, 0.0});
  EXPECT_FALSE(both.gradient.isnan().any().item<bool>());
}

TEST(GcsamRule, EachTensorTakesItsOwnBranch) {
  auto obj = three_branch_objective();
  GcsamRule rule(GcsamOptions{std::sqrt(6.0), 0.5, 0.8});
  const auto m = read_metrics(rule.compute_gradient(obj));
  expect_values(obj.parameters()[0].grad(), {3.0, 3.0});
  expect_values(obj.parameters()[1].grad(), {0.6, 1.8});
  expect_values(obj.parameters()[2].grad(), {1.0, 1.0});
  EXPECT_EQ(m.at("branch_sam"), 1.0);
  EXPECT_EQ(m.at("branch_proj"), 1.0);
  EXPECT_EQ(m.at("branch_sgd"), 1.0);
  EXPECT_NEAR(m.at("loss"), 4.0, 1e-5);
  EXPECT_NEAR(m.at("sharpness"), 8.0, 1e-4);
  EXPECT_NEAR(m.at("grad_norm"), std::sqrt(6.0), 1e-6);
  EXPECT_NEAR(m.at("cos"), (1.0 + 1.0 / std::sqrt(2.0) + 2.0 / std::sqrt(20.0)) / 3.0, 1e-6);
  for (const auto& p : obj.parameters()) EXPECT_TRUE(torch::equal(p.detach(), torch::ones({2})));
}

TEST(GcsamRule, NonPositiveBeta1ProjectsInsteadOfFallingBack) {
  auto obj = three_branch_objective();
  GcsamRule rule(GcsamOptions{std::sqrt(6.0), 0.0, 0.8});
  const auto m = read_metrics(rule.compute_gradient(obj));
  // Tensor 3: z = [0, 4], x . z = 12 -> 12/16 [0, 4] = [0, 3].
  expect_values(obj.parameters()[2].grad(), {0.0, 3.0});
  EXPECT_EQ(m.at("branch_proj"), 2.0);
  EXPECT_EQ(m.at("branch_sgd"), 0.0);
}

TEST(GcsamRule, SgdAppliesWeightDecayToRestoredWeights) {
  auto obj = three_branch_objective();
  GcsamRule rule(GcsamOptions{std::sqrt(6.0), 0.5, 0.8});
  SgdOptions o;
  o.lr = 0.5;
  o.momentum = 0.9;
  o.weight_decay = 0.1;
  Sgd sgd(obj.parameters(), o);
  rule.compute_gradient(obj);
  sgd.step();
  expect_values(obj.parameters()[0], {1 - 0.5 * (3.0 + 0.1), 1 - 0.5 * (3.0 + 0.1)});
  expect_values(obj.parameters()[1], {1 - 0.5 * (0.6 + 0.1), 1 - 0.5 * (1.8 + 0.1)});
  expect_values(obj.parameters()[2], {1 - 0.5 * (1.0 + 0.1), 1 - 0.5 * (1.0 + 0.1)});
}

TEST(GcsamOptions, OfficialDefaultsAndValidation) {
  // The official defaults live in the gcscoop manifest alone; a config without the keys is refused.
  EXPECT_THROW(GcsamOptions::from_config(Config{}), ConfigError);
  Config c;
  c.set("gcsam.rho", 0.1);
  c.set("gcsam.beta1", 0.5);
  c.set("gcsam.beta2", 0.8);
  const GcsamOptions d = GcsamOptions::from_config(c);
  EXPECT_DOUBLE_EQ(d.rho, 0.1);
  EXPECT_DOUBLE_EQ(d.beta1, 0.5);
  EXPECT_DOUBLE_EQ(d.beta2, 0.8);
  Config bad = c;
  bad.set("gcsam.beta1", 0.9);
  EXPECT_THROW(GcsamOptions::from_config(bad), ConfigError);
}

}  // namespace
}  // namespace promptlab

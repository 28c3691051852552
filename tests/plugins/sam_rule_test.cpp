// SAM / ASAM step rule on a hand-computed quadratic.
#include <gtest/gtest.h>

#include <cmath>

#include "expect_values.hpp"
#include "quadratic_objective.hpp"
#include "promptlab/sharpness/sam_perturbation.hpp"
#include "sam/sam_rule.hpp"
#include "train/sgd.hpp"

namespace promptlab {
namespace {

using test::expect_values;

// w1 = [2, 1] with a1 = [1, 2]; w2 = [1] with a2 = [1]: g = [2, 2], [1], ||g|| = 3 over both tensors.
test::QuadraticObjective two_tensor_objective() {
  test::QuadraticObjective obj;
  obj.add({2.f, 1.f}, {1.f, 2.f}, {0.f, 0.f});
  obj.add({1.f}, {1.f}, {0.f});
  return obj;
}

TEST(SamRule, EpsilonNormRunsOverAllTensorsTogether) {
  auto obj = two_tensor_objective();
  SamRule rule(SamOptions{0.3, false});
  const auto m = read_metrics(rule.compute_gradient(obj));
  // eps = 0.3 * g / 3 = [0.2, 0.2], [0.1]; w + eps = [2.2, 1.2], [1.1]; g_sam = a * (w + eps).
  expect_values(obj.parameters()[0].grad(), {2.2, 2.4});
  expect_values(obj.parameters()[1].grad(), {1.1});
  EXPECT_EQ(obj.evaluations, 2);
  EXPECT_NEAR(m.at("loss"), 3.5, 1e-6);
  EXPECT_NEAR(m.at("grad_norm"), 3.0, 1e-6);
  EXPECT_NEAR(m.at("sharpness"), 4.465 - 3.5, 1e-5);
  EXPECT_NEAR(m.at("cos"), (2 * 2.2 + 2 * 2.4 + 1 * 1.1) / (3.0 * std::sqrt(2.2 * 2.2 + 2.4 * 2.4 + 1.1 * 1.1)), 1e-6);
}

TEST(SamRule, ParametersAreRestoredExactly) {
  auto obj = two_tensor_objective();
  SamRule rule(SamOptions{0.3, false});
  rule.compute_gradient(obj);
  EXPECT_TRUE(torch::equal(obj.parameters()[0].detach(), torch::tensor({2.f, 1.f})));
  EXPECT_TRUE(torch::equal(obj.parameters()[1].detach(), torch::tensor({1.f})));
}

TEST(SamRule, AdaptiveScalesByParameterMagnitude) {
  auto obj = two_tensor_objective();
  SamRule rule(SamOptions{0.3, true});
  rule.compute_gradient(obj);
  // |w| g = [4, 2], [1] -> norm sqrt(21); eps = 0.3 * w^2 g / sqrt(21) = 0.3/sqrt(21) * [8, 2], [1].
  const double s = 0.3 / std::sqrt(21.0);
  expect_values(obj.parameters()[0].grad(), {1.0 * (2 + 8 * s), 2.0 * (1 + 2 * s)});
  expect_values(obj.parameters()[1].grad(), {1.0 * (1 + 1 * s)});
}

TEST(SamRule, WeightDecayAppliesToUnperturbedWeights) {
  auto obj = two_tensor_objective();
  SamRule rule(SamOptions{0.3, false});
  SgdOptions sgd_options;
  sgd_options.lr = 1.0;
  sgd_options.momentum = 0.9;
  sgd_options.weight_decay = 0.1;
  Sgd sgd(obj.parameters(), sgd_options);
  rule.compute_gradient(obj);
  sgd.step();
  // w - lr * (g_sam + wd * w): first momentum step uses the buffer = d.
  expect_values(obj.parameters()[0], {2 - (2.2 + 0.2), 1 - (2.4 + 0.1)});
  expect_values(obj.parameters()[1], {1 - (1.1 + 0.1)});
}

TEST(SamRule, ZeroRhoIsPlainGradient) {
  auto obj = two_tensor_objective();
  SamRule rule(SamOptions{0.0, false});
  const auto m = read_metrics(rule.compute_gradient(obj));
  expect_values(obj.parameters()[0].grad(), {2.0, 2.0});
  EXPECT_NEAR(m.at("sharpness"), 0.0, 1e-9);
  EXPECT_NEAR(m.at("cos"), 1.0, 1e-9);
}

TEST(SamRule, ZeroGradientGivesNoPerturbationAndNoNaN) {
  // At the minimum (w = 0, b = 0) the gradient is zero: eps = rho * 0 / (0 + 1e-12) = 0.
  test::QuadraticObjective obj;
  obj.add({0.f, 0.f}, {1.f, 2.f}, {0.f, 0.f});
  SamRule rule(SamOptions{0.5, false});
  const auto m = read_metrics(rule.compute_gradient(obj));
  expect_values(obj.parameters()[0].grad(), {0.0, 0.0});
  expect_values(obj.parameters()[0], {0.0, 0.0});
  for (const auto& [name, value] : m) EXPECT_FALSE(std::isnan(value)) << name;
}

TEST(SamOptions, ReadsConfigAndRejectsNegativeRho) {
  Config c;
  c.set("sam.rho", 0.1);
  c.set("sam.adaptive", true);
  SamOptions o = SamOptions::from_config(c);
  EXPECT_DOUBLE_EQ(o.rho, 0.1);
  EXPECT_TRUE(o.adaptive);
  // No default in code: the manifest holds it, and a config without the key is refused by name.
  try {
    SamOptions::from_config(Config{});
    ADD_FAILURE() << "a config without sam.rho was accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("sam.rho"), std::string::npos) << e.what();
  }
  c.set("sam.rho", -1.0);
  EXPECT_THROW(SamOptions::from_config(c), ConfigError);
}

TEST(SamPerturbation, GlobalCosineOfOrthogonalListsIsZero) {
  std::vector<torch::Tensor> a{torch::tensor({1.f, 0.f}), torch::tensor({0.f})};
  std::vector<torch::Tensor> b{torch::tensor({0.f, 0.f}), torch::tensor({3.f})};
  EXPECT_DOUBLE_EQ(sam::global_cosine(a, b).item<double>(), 0.0);
  EXPECT_DOUBLE_EQ(sam::global_norm(b).item<double>(), 3.0);
}

}  // namespace
}  // namespace promptlab

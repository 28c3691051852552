// Loss landscapes: the direction normalisation, the grid, and evaluation on a quadratic.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>

#include "analysis/landscape.hpp"

namespace promptlab {
namespace {

TEST(Landscape, FilterNormalisationScalesEachRowToTheParametersRow) {
  const torch::Tensor theta = torch::tensor({{3.0, 4.0}, {0.0, 0.0}, {1.0, 0.0}}, torch::kDouble);  // row norms 5, 0, 1
  const torch::Tensor bias = torch::tensor({2.0, 0.0}, torch::kDouble);                             // norm 2
  std::vector<torch::Tensor> d{torch::tensor({{1.0, 0.0}, {1.0, 1.0}, {0.0, 2.0}}, torch::kDouble),
                               torch::tensor({0.0, 5.0}, torch::kDouble)};
  normalise_direction(d, {theta, bias}, DirectionNorm::kFilter);
  EXPECT_TRUE(torch::allclose(d[0], torch::tensor({{5.0, 0.0}, {0.0, 0.0}, {0.0, 1.0}}, torch::kDouble)));
  EXPECT_TRUE(torch::allclose(d[1], torch::tensor({0.0, 2.0}, torch::kDouble)));  // 1-D: one filter
}

TEST(Landscape, TensorNormalisationScalesEachTensorToItsParameter) {
  const torch::Tensor theta = torch::tensor({{3.0, 4.0}, {0.0, 0.0}}, torch::kDouble);  // norm 5
  std::vector<torch::Tensor> d{torch::tensor({{1.0, 0.0}, {0.0, 1.0}}, torch::kDouble)};  // norm sqrt 2
  normalise_direction(d, {theta}, DirectionNorm::kTensor);
  EXPECT_NEAR(d[0].norm().item<double>(), 5.0, 1e-12);
  EXPECT_NEAR(d[0][0][0].item<double>(), 5.0 / std::sqrt(2.0), 1e-12);
  // A zero direction stays zero; mismatched shapes are refused.
  std::vector<torch::Tensor> zero{torch::zeros({2, 2}, torch::kDouble)};
  normalise_direction(zero, {theta}, DirectionNorm::kTensor);
  EXPECT_EQ(zero[0].abs().sum().item<double>(), 0.0);
  std::vector<torch::Tensor> wrong{torch::ones({3}, torch::kDouble)};
  EXPECT_THROW(normalise_direction(wrong, {theta}, DirectionNorm::kTensor), std::invalid_argument);
  EXPECT_EQ(parse_direction_norm("tensor"), DirectionNorm::kTensor);
  EXPECT_THROW(parse_direction_norm("layer"), std::invalid_argument);
}

TEST(Landscape, RandomDirectionsDependOnTheGeneratorAndShapesNotOnTheValues) {
  const torch::Tensor a = torch::ones({4, 3}), b = torch::full({4, 3}, 2.0);
  auto g1 = at::make_generator<at::CPUGeneratorImpl>(7);
  auto g2 = at::make_generator<at::CPUGeneratorImpl>(7);
  torch::manual_seed(1);
  const torch::Tensor global_next = torch::rand({2});
  torch::manual_seed(1);
  const auto da = random_direction({a}, g1, DirectionNorm::kFilter);
  const auto db = random_direction({b}, g2, DirectionNorm::kFilter);
  EXPECT_TRUE(torch::equal(torch::rand({2}), global_next));  // the global RNG is untouched
  EXPECT_TRUE(torch::allclose(db[0], 2.0 * da[0]));  // the same draw, scaled to each theta
  EXPECT_TRUE(torch::allclose(da[0].norm(2, {1}), torch::full({4}, std::sqrt(3.0))));
  auto g3 = at::make_generator<at::CPUGeneratorImpl>(8);
  EXPECT_FALSE(torch::allclose(random_direction({a}, g3, DirectionNorm::kFilter)[0], da[0]));
}

TEST(Landscape, GridAxis) {
  EXPECT_EQ(grid_axis(5, 1.0), (std::vector<double>{-1.0, -0.5, 0.0, 0.5, 1.0}));
  EXPECT_EQ(grid_axis(1, 2.0), (std::vector<double>{0.0}));
  EXPECT_THROW(grid_axis(0, 1.0), std::invalid_argument);
  EXPECT_THROW(grid_axis(3, 0.0), std::invalid_argument);
}

TEST(Landscape, EvaluatesTheQuadraticAtEveryPointAndPutsThetaBack) {
  // f(w) = |w|^2 over theta = ((1, 0), (1)) in two tensors, moved along d1 = e1 and d2 = e2:
  // f = (1 + a)^2 + b^2 + 1.
  const torch::Tensor p0 = torch::tensor({1.0, 0.0}, torch::kDouble).requires_grad_(true);
  const torch::Tensor p1 = torch::tensor({1.0}, torch::kDouble).requires_grad_(true);
  const std::vector<torch::Tensor> params{p0, p1};
  const std::vector<torch::Tensor> d1{torch::tensor({1.0, 0.0}, torch::kDouble), torch::zeros({1}, torch::kDouble)};
  const std::vector<torch::Tensor> d2{torch::tensor({0.0, 1.0}, torch::kDouble), torch::zeros({1}, torch::kDouble)};
  const PointEvaluation f = [&] {
    const double v = (p0 * p0).sum().item<double>() + (p1 * p1).sum().item<double>();
    return std::make_pair(v, -v);
  };
  const auto axis = grid_axis(3, 1.0);
  const auto grid = evaluate_landscape(f, params, d1, d2, axis, axis);
  ASSERT_EQ(grid.size(), 9u);
  for (const auto& pt : grid) {
    const double expected = 1.0 + (1.0 + pt.alpha) * (1.0 + pt.alpha) + pt.beta * pt.beta;
    EXPECT_DOUBLE_EQ(pt.loss, expected) << pt.alpha << "," << pt.beta;
    EXPECT_DOUBLE_EQ(pt.accuracy, -expected);
    EXPECT_DOUBLE_EQ(pt.alpha, axis[static_cast<std::size_t>(pt.i)]);
    EXPECT_DOUBLE_EQ(pt.beta, axis[static_cast<std::size_t>(pt.j)]);
  }
  EXPECT_EQ(grid[0].i, 0);
  EXPECT_EQ(grid[1].j, 1);  // alpha outer, beta inner
  EXPECT_TRUE(torch::equal(p0, torch::tensor({1.0, 0.0}, torch::kDouble)));
  const auto curve = evaluate_landscape(f, params, d1, {}, axis, {0.0});
  ASSERT_EQ(curve.size(), 3u);
  EXPECT_DOUBLE_EQ(curve[1].loss, 2.0);  // the centre: theta itself
  EXPECT_THROW(evaluate_landscape(f, params, d1, {}, axis, axis), std::invalid_argument);
  // Theta comes back when an evaluation throws half-way.
  int calls = 0;
  const PointEvaluation failing = [&]() -> std::pair<double, double> {
    if (++calls == 2) throw std::runtime_error("boom");
    return {0.0, 0.0};
  };
  EXPECT_THROW(evaluate_landscape(failing, params, d1, d2, axis, axis), std::runtime_error);
  EXPECT_TRUE(torch::equal(p0, torch::tensor({1.0, 0.0}, torch::kDouble)));
  EXPECT_TRUE(torch::equal(p1, torch::tensor({1.0}, torch::kDouble)));
}

}  // namespace
}  // namespace promptlab

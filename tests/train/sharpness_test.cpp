// The sharpness measures on quadratics, where both have closed forms.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "train/sharpness.hpp"

namespace promptlab {
namespace {

// A symmetric matrix with the given eigenvalues: Q diag(eig) Q' for a fixed rotation Q.
torch::Tensor with_eigenvalues(const std::vector<double>& eig) {
  const auto n = static_cast<std::int64_t>(eig.size());
  torch::manual_seed(11);
  auto qr = torch::linalg::qr(torch::randn({n, n}, torch::kDouble));
  const torch::Tensor q = std::get<0>(qr);
  return q.mm(torch::diag(torch::tensor(eig, torch::kDouble))).mm(q.t());
}

// 0.5 w'Aw + b'w over w split into two tensors (the measures work across tensors).
struct Quadratic {
  torch::Tensor a, b;
  std::vector<torch::Tensor> params;
  explicit Quadratic(const std::vector<double>& eig) : a(with_eigenvalues(eig)) {
    const auto n = static_cast<std::int64_t>(eig.size());
    b = torch::linspace(-1.0, 1.0, n, torch::kDouble);
    const torch::Tensor w = torch::linspace(0.3, -0.7, n, torch::kDouble);
    params = {w.narrow(0, 0, 2).clone().requires_grad_(true), w.narrow(0, 2, n - 2).clone().requires_grad_(true)};
  }
  torch::Tensor w() const { return torch::cat(params); }
  torch::Tensor operator()() const {
    const torch::Tensor x = w();
    return 0.5 * x.dot(a.mv(x)) + b.dot(x);
  }
};

TEST(Sharpness, PowerIterationFindsTheTopEigenvalue) {
  Quadratic q({5.0, 2.0, 1.0, 0.5, -0.25});
  const EigenEstimate e = top_hessian_eigenvalue([&q] { return q(); }, q.params, 100, 1e-10, 3);
  EXPECT_TRUE(e.converged);
  EXPECT_NEAR(e.value, 5.0, 1e-6);
  EXPECT_LE(e.iterations, 100);
  // At a saddle whose dominant eigenvalue is negative, still the most positive one.
  Quadratic saddle({-6.0, 1.0, 0.5, 0.1});
  const EigenEstimate s = top_hessian_eigenvalue([&saddle] { return saddle(); }, saddle.params, 200, 1e-12, 3);
  EXPECT_TRUE(s.converged);
  EXPECT_NEAR(s.value, 1.0, 1e-6);
  // Where every eigenvalue is negative, the least negative.
  Quadratic concave({-4.0, -2.0, -0.5});
  EXPECT_NEAR(top_hessian_eigenvalue([&concave] { return concave(); }, concave.params, 300, 1e-13, 3).value, -0.5,
              1e-6);
  // A flat loss has Hessian 0.
  Quadratic flat({0.0, 0.0, 0.0});
  flat.b.zero_();
  EXPECT_EQ(top_hessian_eigenvalue([&flat] { return flat(); }, flat.params, 10, 1e-6, 3).value, 0.0);
}

TEST(Sharpness, RhoBallIsTheLossIncreaseAlongTheNormalisedGradient) {
  Quadratic q({4.0, 3.0, 1.0, 0.5});
  const torch::Tensor w = q.w().detach();
  const torch::Tensor g = q.a.mv(w) + q.b;
  const double rho = 0.05;
  const torch::Tensor u = g / g.norm();
  const double expected = rho * g.norm().item<double>() + 0.5 * rho * rho * u.dot(q.a.mv(u)).item<double>();
  const std::vector<torch::Tensor> before{q.params[0].detach().clone(), q.params[1].detach().clone()};
  const RhoBallSharpness ball = rho_ball_sharpness([&q] { return q(); }, q.params, rho);
  EXPECT_NEAR(ball.increase, expected, 1e-12);
  EXPECT_DOUBLE_EQ(ball.loss, (0.5 * w.dot(q.a.mv(w)) + q.b.dot(w)).item<double>());
  // The parameters are exactly where they were.
  EXPECT_TRUE(torch::equal(q.params[0], before[0]));
  EXPECT_TRUE(torch::equal(q.params[1], before[1]));
  EXPECT_FALSE(q.params[0].grad().defined());  // nothing accumulated into .grad
  EXPECT_THROW(rho_ball_sharpness([&q] { return q(); }, q.params, 0.0), std::invalid_argument);
}

TEST(Sharpness, ZeroGradientGivesZeroAndTheGlobalGeneratorIsUntouched) {
  Quadratic q({0.0, 0.0, 0.0});
  q.b.zero_();  // a loss of 0 everywhere: the gradient is exactly 0
  EXPECT_NEAR(rho_ball_sharpness([&q] { return q(); }, q.params, 0.1).increase, 0.0, 1e-12);
  torch::manual_seed(5);
  const torch::Tensor expected = torch::rand({4});
  torch::manual_seed(5);
  top_hessian_eigenvalue([&q] { return q(); }, q.params, 5, 1e-6, 9);
  EXPECT_TRUE(torch::equal(torch::rand({4}), expected));
}

}  // namespace
}  // namespace promptlab

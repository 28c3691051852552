#pragma once
// Element-wise comparison of a tensor with hand-computed values, for the step-rule tests.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <vector>

namespace promptlab::test {

/// Expects `t` (any shape, read in row-major order) to equal `want` within `tol`.
inline void expect_values(const torch::Tensor& t, const std::vector<double>& want, double tol = 1e-6) {
  ASSERT_EQ(t.numel(), static_cast<std::int64_t>(want.size()));
  auto c = t.detach().to(torch::kDouble).contiguous();
  for (std::size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(c.data_ptr<double>()[i], want[i], tol) << "index " << i;
}

}  // namespace promptlab::test

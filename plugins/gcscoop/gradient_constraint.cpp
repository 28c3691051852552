#include "gcscoop/gradient_constraint.hpp"

#include <cmath>

#include "promptlab/sharpness/sam_perturbation.hpp"

namespace promptlab {

namespace {

// (x . z^) z^ with z^ = z / ||z||; zero when z is zero.
torch::Tensor project(const torch::Tensor& x, const torch::Tensor& z) {
  const torch::Tensor zz = (z * z).sum();
  const torch::Tensor coeff = torch::where(zz.eq(0.0), torch::zeros_like(zz), (x * z).sum() / zz);
  return z * coeff;
}

torch::Tensor branch_code(const torch::Tensor& like, GcsamBranch b) {
  return torch::full({}, static_cast<std::int64_t>(b), like.options().dtype(torch::kLong));
}

}  // namespace

ConstrainedGradient constrain_gradient(const torch::Tensor& x, const torch::Tensor& y, double beta1,
                                       double beta2) {
  torch::NoGradGuard no_grad;
  const torch::Tensor xd = x.detach().to(torch::kDouble);
  const torch::Tensor yd = y.detach().to(torch::kDouble);
  ConstrainedGradient out;
  out.cosine = sam::global_cosine({xd}, {yd});  // 0 when either is zero
  const torch::Tensor& c = out.cosine;
  const torch::Tensor sam = branch_code(c, GcsamBranch::kSam);
  const torch::Tensor projection = branch_code(c, GcsamBranch::kProjection);
  const torch::Tensor plain = branch_code(c, GcsamBranch::kPlain);
  if (beta1 <= 0.0) {
    out.branch = torch::where(c.lt(beta2), projection, sam);
  } else {
    out.branch = torch::where(c.ge(beta2), sam, torch::where(c.gt(beta1), projection, plain));
  }
  const torch::Tensor projected = project(xd, xd + yd).to(x.scalar_type());
  out.gradient = torch::where(out.branch.eq(static_cast<std::int64_t>(GcsamBranch::kSam)), x.detach(),
                              torch::where(out.branch.eq(static_cast<std::int64_t>(GcsamBranch::kPlain)),
                                           y.detach(), projected));
  return out;
}

}  // namespace promptlab

#include "gcscoop/gradient_constraint.hpp"

#include <cmath>

namespace promptlab {

namespace {

// Cosine of two tensors viewed as flat vectors; 0 when either is zero.
double cosine(const torch::Tensor& a, const torch::Tensor& b) {
  const double dot = (a * b).sum().item<double>();
  const double na = a.norm().item<double>();
  const double nb = b.norm().item<double>();
  return (na == 0.0 || nb == 0.0) ? 0.0 : dot / (na * nb);
}

// (x . z^) z^ with z^ = z / ||z||; zero when z is zero.
torch::Tensor project(const torch::Tensor& x, const torch::Tensor& z) {
  const double zz = (z * z).sum().item<double>();
  if (zz == 0.0) return torch::zeros_like(x);
  const double coeff = (x * z).sum().item<double>() / zz;
  return (z * coeff).to(x.scalar_type());
}

}  // namespace

ConstrainedGradient constrain_gradient(const torch::Tensor& x, const torch::Tensor& y, double beta1,
                                       double beta2) {
  torch::NoGradGuard no_grad;
  const torch::Tensor xd = x.detach().to(torch::kDouble);
  const torch::Tensor yd = y.detach().to(torch::kDouble);
  ConstrainedGradient out;
  out.cosine = cosine(xd, yd);
  const double c = out.cosine;
  if (beta1 <= 0.0) {
    out.branch = c < beta2 ? GcsamBranch::kProjection : GcsamBranch::kSam;
  } else if (c >= beta2) {
    out.branch = GcsamBranch::kSam;
  } else if (c > beta1) {
    out.branch = GcsamBranch::kProjection;
  } else {
    out.branch = GcsamBranch::kPlain;
  }
  switch (out.branch) {
    case GcsamBranch::kSam: out.gradient = x.detach().clone(); break;
    case GcsamBranch::kPlain: out.gradient = y.detach().clone(); break;
    case GcsamBranch::kProjection: out.gradient = project(xd, xd + yd).to(x.scalar_type()); break;
  }
  return out;
}

}  // namespace promptlab

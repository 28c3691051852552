#pragma once
// GCSAM's per-tensor choice between the SAM gradient, its projection and the
// plain gradient (docs/protocol.md §5).
#include <torch/torch.h>

namespace promptlab {

/// Which gradient a tensor used this step.
enum class GcsamBranch { kSam, kProjection, kPlain };

/// The chosen gradient of one tensor and why.
struct ConstrainedGradient {
  torch::Tensor gradient;
  GcsamBranch branch = GcsamBranch::kSam;
  double cosine = 0.0;  // cos(x, y)
};

/// x = SAM gradient dL(w+eps), y = plain gradient dL(w). With c = cos(x, y) and z = x + y:
/// c >= beta2 -> x; beta1 < c < beta2 -> (x . z^) z^; c <= beta1 -> y. When beta1 <= 0
/// there are only two branches: c < beta2 -> projection, else x.
ConstrainedGradient constrain_gradient(const torch::Tensor& x, const torch::Tensor& y, double beta1,
                                       double beta2);

}  // namespace promptlab

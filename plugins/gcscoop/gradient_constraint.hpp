#pragma once
// GCSAM's per-tensor choice between the SAM gradient, its projection and the
// plain gradient (docs/protocol.md §5).
#include <torch/torch.h>

namespace promptlab {

/// Which gradient a tensor used this step.
enum class GcsamBranch { kSam, kProjection, kPlain };

/// The chosen gradient of one tensor and why. The choice is made on the tensors' device, so the
/// branch and the cosine are 0-dim tensors there: nothing waits for the device.
struct ConstrainedGradient {
  torch::Tensor gradient;
  torch::Tensor branch;  // int64, a GcsamBranch value
  torch::Tensor cosine;  // double, cos(x, y)

  /// The branch, read on the host (waits for the device).
  GcsamBranch branch_taken() const { return static_cast<GcsamBranch>(branch.item<std::int64_t>()); }
};

/// x = SAM gradient dL(w+eps), y = plain gradient dL(w). With c = cos(x, y) and z = x + y:
/// c >= beta2 -> x; beta1 < c < beta2 -> (x . z^) z^; c <= beta1 -> y. When beta1 <= 0
/// there are only two branches: c < beta2 -> projection, else x.
ConstrainedGradient constrain_gradient(const torch::Tensor& x, const torch::Tensor& y, double beta1,
                                       double beta2);

}  // namespace promptlab

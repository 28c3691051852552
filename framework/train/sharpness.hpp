#pragma once
// Two measures of how sharp a loss is around the learned parameters (the paper's analysis: loss
// value against sharpness). Both take the loss as a function that recomputes it, with its graph,
// at the parameters' current values, and leave the parameters exactly as they found them.
#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <vector>

namespace promptlab {

/// The loss at the parameters' current values, differentiable with respect to them.
using LossOfParameters = std::function<torch::Tensor()>;

struct RhoBallSharpness {
  double loss = 0;      // L(w)
  double increase = 0;  // L(w + eps) - L(w)
};

/// The loss at w, and its increase at SAM's (first-order) worst point of the rho-ball, w + eps with
/// eps = rho * g / |g| (Foret et al., ICLR 2021; the SDK's sam::ascent_perturbation, whose
/// denominator carries SAM's 1e-12), g the gradient at w and |g| its norm over all tensors.
/// The increase is 0 when the gradient is 0.
RhoBallSharpness rho_ball_sharpness(const LossOfParameters& loss, const std::vector<torch::Tensor>& params,
                                    double rho);

struct EigenEstimate {
  double value = 0;     // the Rayleigh quotient v'Hv at the last iterate
  int iterations = 0;   // Hessian-vector products used
  bool converged = false;  // successive estimates within `tolerance` (relative)
};

/// The largest (most positive) eigenvalue of the Hessian of the loss with respect to `params`, by
/// power iteration on Hessian-vector products (double backward), from a random start drawn from
/// its own generator seeded with `seed` (the global RNG is untouched). Power iteration finds the
/// eigenvalue of largest magnitude; when that is negative, a second pass on H - lambda I finds the
/// top one. `iterations` counts both passes; `converged` holds when both did.
EigenEstimate top_hessian_eigenvalue(const LossOfParameters& loss, const std::vector<torch::Tensor>& params,
                                     int max_iterations, double tolerance, std::uint64_t seed);

}  // namespace promptlab

#pragma once
// SDK: gradient helpers for the SAM-family step rules (SAM, ASAM, GCSAM, and a plugin's own):
// snapshots, global norms, cosines over all trainable tensors, and the ascent perturbation
// w -> w + eps.
#include "promptlab/export.hpp"
#include <torch/torch.h>

#include <vector>

namespace promptlab {
namespace sam {

/// Copies of every parameter's current gradient (zeros where a gradient is undefined).
PROMPTLAB_API std::vector<torch::Tensor> snapshot_gradients(const std::vector<torch::Tensor>& params);

/// Detached copies of the parameters' values.
PROMPTLAB_API std::vector<torch::Tensor> snapshot_values(const std::vector<torch::Tensor>& params);

/// Copies saved values back into the parameters (exact restore, no arithmetic).
PROMPTLAB_API void restore_values(const std::vector<torch::Tensor>& params, const std::vector<torch::Tensor>& values);

/// Writes `grads` into the parameters' .grad() (allocating where undefined).
PROMPTLAB_API void assign_gradients(const std::vector<torch::Tensor>& params, const std::vector<torch::Tensor>& grads);

/// L2 norm of all tensors taken together, sqrt(sum_i ||t_i||^2), summed in double: a 0-dim double
/// tensor on the tensors' device (nothing waits for the device; read it with .item() or hand it on
/// as a Metric). 0 for an empty list.
PROMPTLAB_API torch::Tensor global_norm(const std::vector<torch::Tensor>& tensors);

/// Cosine of two tensor lists viewed as one long vector each (0 when either is zero), as
/// global_norm returns it.
PROMPTLAB_API torch::Tensor global_cosine(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b);

/// The SAM ascent step eps_i = rho * s_i * g_i / (||s g|| + 1e-12) with s = 1 (plain) or
/// s = |w| in the numerator's and s_i = w_i^2 in the adaptive (ASAM) variant; the norm
/// runs over every tensor together. Returns eps (one tensor per parameter).
PROMPTLAB_API std::vector<torch::Tensor> ascent_perturbation(const std::vector<torch::Tensor>& params,
                                               const std::vector<torch::Tensor>& grads, double rho,
                                               bool adaptive);

/// Adds eps to the parameters in place (without recording autograd history).
PROMPTLAB_API void apply_perturbation(const std::vector<torch::Tensor>& params, const std::vector<torch::Tensor>& eps);

}  // namespace sam
}  // namespace promptlab

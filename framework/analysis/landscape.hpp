#pragma once
// The loss landscape around learned parameters (Li et al., "Visualizing the Loss Landscape of
// Neural Nets", NeurIPS 2018): the loss at theta + a*d1 (+ b*d2) on a grid, along random
// directions scaled to the parameters they perturb, so that landscapes of different runs share
// one scale (docs/protocol.md §14).
#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "store/run_store.hpp"  // LandscapePoint

namespace promptlab {

enum class DirectionNorm {
  kFilter,  // each filter (a row: one slice along the first dimension) scaled to the norm of the same row of theta
  kTensor,  // each tensor scaled to the norm of theta's tensor
};

DirectionNorm parse_direction_norm(const std::string& name);  // "filter" | "tensor"; throws naming the value
std::string to_string(DirectionNorm norm);

/// Scales `direction` in place to `params`: per filter or per tensor, d <- d / |d| * |theta|.
/// Tensors with fewer than two dimensions are one filter. A part whose theta is 0 gets direction 0
/// (Li et al. leave what carries no scale unperturbed), as does a part whose d is 0.
void normalise_direction(std::vector<torch::Tensor>& direction, const std::vector<torch::Tensor>& params,
                         DirectionNorm norm);

/// A Gaussian direction shaped like `params` (on their devices and dtypes), drawn from
/// `generator` (CPU) tensor by tensor, then normalised. The same generator state and shapes give
/// the same draw, whatever theta is.
std::vector<torch::Tensor> random_direction(const std::vector<torch::Tensor>& params, at::Generator& generator,
                                            DirectionNorm norm);

/// `n` evenly spaced values from -range to range (n = 1: {0}).
std::vector<double> grid_axis(int n, double range);

/// The loss and top-1 accuracy (%) at the parameters' current values.
using PointEvaluation = std::function<std::pair<double, double>()>;

/// Evaluates at theta + alpha*d1 + beta*d2 for every alpha in `alphas` and beta in `betas` (with
/// d2 empty, betas must be {0}: a 1-D curve), row by row (alpha outer), and puts theta back
/// exactly, also when an evaluation throws.
std::vector<LandscapePoint> evaluate_landscape(const PointEvaluation& evaluate, const std::vector<torch::Tensor>& params,
                                               const std::vector<torch::Tensor>& d1,
                                               const std::vector<torch::Tensor>& d2,
                                               const std::vector<double>& alphas, const std::vector<double>& betas);

}  // namespace promptlab

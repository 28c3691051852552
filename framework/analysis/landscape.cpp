#include "analysis/landscape.hpp"

#include <promptlab/sharpness/sam_perturbation.hpp>

#include <stdexcept>

namespace promptlab {

DirectionNorm parse_direction_norm(const std::string& name) {
  if (name == "filter") return DirectionNorm::kFilter;
  if (name == "tensor") return DirectionNorm::kTensor;
  throw std::invalid_argument("unknown direction normalisation '" + name + "' (use filter or tensor)");
}

std::string to_string(DirectionNorm norm) { return norm == DirectionNorm::kFilter ? "filter" : "tensor"; }

void normalise_direction(std::vector<torch::Tensor>& direction, const std::vector<torch::Tensor>& params,
                         DirectionNorm norm) {
  if (direction.size() != params.size())
    throw std::invalid_argument("normalise_direction: " + std::to_string(direction.size()) + " direction tensors for " +
                                std::to_string(params.size()) + " parameters");
  torch::NoGradGuard no_grad;
  for (std::size_t k = 0; k < params.size(); ++k) {
    const torch::Tensor theta = params[k].detach();
    if (!direction[k].sizes().equals(theta.sizes()))
      throw std::invalid_argument("normalise_direction: direction " + std::to_string(k) + " is shaped " +
                                  c10::str(direction[k].sizes()) + ", its parameter " + c10::str(theta.sizes()));
    const bool per_filter = norm == DirectionNorm::kFilter && theta.dim() >= 2;
    const std::int64_t rows = per_filter ? theta.size(0) : 1;
    const torch::Tensor d = direction[k].reshape({rows, -1}).to(torch::kDouble);
    const torch::Tensor t = theta.reshape({rows, -1}).to(torch::kDouble);
    const torch::Tensor d_norm = d.norm(2, {1}, /*keepdim=*/true);
    const torch::Tensor t_norm = t.norm(2, {1}, /*keepdim=*/true);
    // 0 where either norm is 0, else |theta_row| / |d_row|.
    const torch::Tensor scale = torch::where(d_norm > 0, t_norm / d_norm.clamp_min(1e-300), torch::zeros_like(d_norm));
    direction[k] = (d * scale).reshape(theta.sizes()).to(direction[k].dtype());
  }
}

std::vector<torch::Tensor> random_direction(const std::vector<torch::Tensor>& params, at::Generator& generator,
                                            DirectionNorm norm) {
  std::vector<torch::Tensor> d;
  d.reserve(params.size());
  for (const auto& p : params)
    d.push_back(at::randn(p.sizes(), generator, torch::TensorOptions().dtype(torch::kFloat)).to(p.device(), p.dtype()));
  normalise_direction(d, params, norm);
  return d;
}

std::vector<double> grid_axis(int n, double range) {
  if (n < 1) throw std::invalid_argument("a landscape axis needs at least 1 point, not " + std::to_string(n));
  if (!(range > 0)) throw std::invalid_argument("a landscape range must be positive, not " + std::to_string(range));
  if (n == 1) return {0.0};
  std::vector<double> axis(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) axis[static_cast<std::size_t>(i)] = -range + 2.0 * range * i / (n - 1);
  return axis;
}

std::vector<LandscapePoint> evaluate_landscape(const PointEvaluation& evaluate, const std::vector<torch::Tensor>& params,
                                               const std::vector<torch::Tensor>& d1,
                                               const std::vector<torch::Tensor>& d2,
                                               const std::vector<double>& alphas, const std::vector<double>& betas) {
  if (d1.size() != params.size() || (!d2.empty() && d2.size() != params.size()))
    throw std::invalid_argument("evaluate_landscape: the directions do not match the parameters");
  if (d2.empty() && !(betas.size() == 1 && betas[0] == 0.0))
    throw std::invalid_argument("evaluate_landscape: a 1-D landscape takes betas {0}");
  torch::NoGradGuard no_grad;
  const std::vector<torch::Tensor> saved = sam::snapshot_values(params);
  std::vector<LandscapePoint> points;
  try {
    for (std::size_t i = 0; i < alphas.size(); ++i) {
      for (std::size_t j = 0; j < betas.size(); ++j) {
        for (std::size_t k = 0; k < params.size(); ++k) {
          torch::Tensor moved = saved[k] + alphas[i] * d1[k];
          if (!d2.empty()) moved = moved + betas[j] * d2[k];
          params[k].detach().copy_(moved);
        }
        const auto [loss, accuracy] = evaluate();
        points.push_back({static_cast<int>(i), static_cast<int>(j), alphas[i], betas[j], loss, accuracy});
      }
    }
  } catch (...) {
    sam::restore_values(params, saved);
    throw;
  }
  sam::restore_values(params, saved);
  return points;
}

}  // namespace promptlab

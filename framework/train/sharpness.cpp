#include "train/sharpness.hpp"

#include <ATen/CPUGeneratorImpl.h>
#include <promptlab/sharpness/sam_perturbation.hpp>

#include <cmath>
#include <stdexcept>

namespace promptlab {

namespace {

// sum_i <a_i, b_i> over all tensors, in double (the Rayleigh quotient's numerator).
double dot(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
  torch::Tensor sum = torch::zeros({}, torch::kDouble);
  for (std::size_t i = 0; i < a.size(); ++i)
    sum = sum + (a[i].to(torch::kDouble) * b[i].to(torch::kDouble)).sum().to(torch::kCPU);
  return sum.item<double>();
}

std::vector<torch::Tensor> gradients(const torch::Tensor& value, const std::vector<torch::Tensor>& params,
                                     bool create_graph) {
  auto grads = torch::autograd::grad({value}, params, {}, /*retain_graph=*/true, create_graph, /*allow_unused=*/true);
  for (std::size_t i = 0; i < grads.size(); ++i)
    if (!grads[i].defined()) grads[i] = torch::zeros_like(params[i]);
  return grads;
}

// x / |x| over all tensors; false (x untouched) when |x| = 0.
bool normalise(std::vector<torch::Tensor>& x) {
  const double n = sam::global_norm(x).item<double>();
  if (n == 0.0) return false;
  for (auto& t : x) t = t / n;
  return true;
}

void check(const std::vector<torch::Tensor>& params, const char* what) {
  if (params.empty()) throw std::invalid_argument(std::string(what) + ": no parameters");
}

}  // namespace

RhoBallSharpness rho_ball_sharpness(const LossOfParameters& loss, const std::vector<torch::Tensor>& params,
                                    double rho) {
  check(params, "rho_ball_sharpness");
  if (!(rho > 0)) throw std::invalid_argument("rho_ball_sharpness: rho must be positive");
  const torch::Tensor at_w = loss();
  const std::vector<torch::Tensor> g = gradients(at_w, params, false);
  RhoBallSharpness out;
  out.loss = at_w.item<double>();
  if (sam::global_norm(g).item<double>() == 0.0) return out;
  const std::vector<torch::Tensor> saved = sam::snapshot_values(params);
  sam::apply_perturbation(params, sam::ascent_perturbation(params, g, rho, /*adaptive=*/false));
  try {
    torch::NoGradGuard no_grad;
    out.increase = loss().item<double>() - out.loss;
  } catch (...) {
    sam::restore_values(params, saved);
    throw;
  }
  sam::restore_values(params, saved);  // exactly w again
  return out;
}

namespace {

// Power iteration on (H - shift I), from v (unit): its eigenvalue of largest magnitude, plus shift.
EigenEstimate power_iteration(const std::vector<torch::Tensor>& g, const std::vector<torch::Tensor>& params,
                              std::vector<torch::Tensor> v, double shift, int max_iterations, double tolerance) {
  EigenEstimate est;
  double previous = 0;
  for (int it = 1; it <= max_iterations; ++it) {
    torch::Tensor gv = torch::zeros({}, g[0].options());
    for (std::size_t i = 0; i < g.size(); ++i) gv = gv + (g[i] * v[i]).sum();
    std::vector<torch::Tensor> hv = gradients(gv, params, false);
    for (std::size_t i = 0; i < hv.size(); ++i) {
      hv[i] = hv[i].detach();
      if (shift != 0.0) hv[i] = hv[i] - shift * v[i];
    }
    const double value = dot(v, hv);  // v is unit: the Rayleigh quotient of H - shift I
    est.value = value + shift;
    est.iterations = it;
    if (it > 1 && std::abs(value - previous) <= tolerance * std::max(std::abs(value), 1e-12)) {
      est.converged = true;
      break;
    }
    previous = value;
    if (!normalise(hv)) {  // (H - shift I) v = 0: v is an eigenvector, and the estimate is exact
      est.converged = true;
      break;
    }
    v = std::move(hv);
  }
  return est;
}

}  // namespace

EigenEstimate top_hessian_eigenvalue(const LossOfParameters& loss, const std::vector<torch::Tensor>& params,
                                     int max_iterations, double tolerance, std::uint64_t seed) {
  check(params, "top_hessian_eigenvalue");
  if (max_iterations < 1) throw std::invalid_argument("top_hessian_eigenvalue: max_iterations must be at least 1");
  auto generator = at::make_generator<at::CPUGeneratorImpl>(seed);
  std::vector<torch::Tensor> v;
  for (const auto& p : params)
    v.push_back(at::randn(p.sizes(), generator, torch::TensorOptions().dtype(p.dtype())).to(p.device()));
  normalise(v);
  // One graph of the gradient; each Hessian-vector product differentiates <g, v> through it.
  const std::vector<torch::Tensor> g = gradients(loss(), params, /*create_graph=*/true);
  EigenEstimate dominant = power_iteration(g, params, v, 0.0, max_iterations, tolerance);
  if (dominant.value >= 0) return dominant;
  // The dominant eigenvalue is negative: H - dominant I has eigenvalues lambda_i - dominant >= 0,
  // whose largest belongs to the top eigenvalue of H.
  EigenEstimate top = power_iteration(g, params, v, dominant.value, max_iterations, tolerance);
  top.iterations += dominant.iterations;
  top.converged = top.converged && dominant.converged;
  return top;
}

}  // namespace promptlab

#include "promptlab/sharpness/sam_perturbation.hpp"

#include <cmath>
#include <stdexcept>

namespace promptlab {
namespace sam {

std::vector<torch::Tensor> snapshot_gradients(const std::vector<torch::Tensor>& params) {
  std::vector<torch::Tensor> out;
  out.reserve(params.size());
  for (const auto& p : params) {
    out.push_back(p.grad().defined() ? p.grad().detach().clone() : torch::zeros_like(p));
  }
  return out;
}

std::vector<torch::Tensor> snapshot_values(const std::vector<torch::Tensor>& params) {
  std::vector<torch::Tensor> out;
  out.reserve(params.size());
  for (const auto& p : params) out.push_back(p.detach().clone());
  return out;
}

void restore_values(const std::vector<torch::Tensor>& params, const std::vector<torch::Tensor>& values) {
  torch::NoGradGuard no_grad;
  for (std::size_t i = 0; i < params.size(); ++i) params[i].detach().copy_(values[i]);
}

void assign_gradients(const std::vector<torch::Tensor>& params, const std::vector<torch::Tensor>& grads) {
  if (params.size() != grads.size()) {
    throw std::invalid_argument("assign_gradients: " + std::to_string(params.size()) + " parameters but " +
                                std::to_string(grads.size()) + " gradients");
  }
  torch::NoGradGuard no_grad;
  for (std::size_t i = 0; i < params.size(); ++i) {
    torch::Tensor p = params[i];
    if (p.grad().defined()) {
      p.mutable_grad().copy_(grads[i]);
    } else {
      p.mutable_grad() = grads[i].detach().clone();
    }
  }
}

namespace {

// sum_i <a_i, b_i> in double, a 0-dim tensor on the tensors' device (a plain 0 for empty lists).
torch::Tensor global_dot(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
  if (a.size() != b.size()) {
    throw std::invalid_argument("sam: " + std::to_string(a.size()) + " tensors against " + std::to_string(b.size()));
  }
  if (a.empty()) return torch::scalar_tensor(0.0, torch::kDouble);
  std::vector<torch::Tensor> parts;
  parts.reserve(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    parts.push_back((a[i].detach().to(torch::kDouble) * b[i].detach().to(torch::kDouble)).sum());
  }
  return torch::stack(parts).sum();
}

}  // namespace

torch::Tensor global_norm(const std::vector<torch::Tensor>& tensors) {
  std::vector<torch::Tensor> squares;
  squares.reserve(tensors.size());
  for (const auto& t : tensors) squares.push_back(t.detach().to(torch::kDouble).pow(2).sum());
  if (squares.empty()) return torch::scalar_tensor(0.0, torch::kDouble);
  return torch::stack(squares).sum().sqrt();
}

torch::Tensor global_cosine(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
  const torch::Tensor dot = global_dot(a, b);
  const torch::Tensor na = global_norm(a);
  const torch::Tensor nb = global_norm(b);
  const torch::Tensor either_zero = na.eq(0.0).logical_or(nb.eq(0.0));
  return torch::where(either_zero, torch::zeros_like(dot), dot / (na * nb));
}

std::vector<torch::Tensor> ascent_perturbation(const std::vector<torch::Tensor>& params,
                                               const std::vector<torch::Tensor>& grads, double rho,
                                               bool adaptive) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> scaled;
  scaled.reserve(grads.size());
  for (std::size_t i = 0; i < grads.size(); ++i) {
    scaled.push_back(adaptive ? params[i].detach().abs() * grads[i] : grads[i]);
  }
  // A 0-dim double tensor: the step never waits for the device to learn the norm.
  const torch::Tensor scale = rho / (global_norm(scaled) + 1e-12);
  std::vector<torch::Tensor> eps;
  eps.reserve(grads.size());
  for (std::size_t i = 0; i < grads.size(); ++i) {
    torch::Tensor e = adaptive ? params[i].detach().pow(2) * grads[i] : grads[i].clone();
    eps.push_back(e.mul_(scale));
  }
  return eps;
}

void apply_perturbation(const std::vector<torch::Tensor>& params, const std::vector<torch::Tensor>& eps) {
  torch::NoGradGuard no_grad;
  for (std::size_t i = 0; i < params.size(); ++i) params[i].detach().add_(eps[i]);
}

}  // namespace sam
}  // namespace promptlab

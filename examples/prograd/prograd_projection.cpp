#include "prograd_projection.hpp"

#include <cmath>
#include <stdexcept>

namespace prograd {
namespace {

torch::Tensor dot(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
  torch::Tensor sum = torch::zeros({}, a.front().options().dtype(torch::kDouble));
  for (std::size_t i = 0; i < a.size(); ++i) sum = sum + (a[i].to(torch::kDouble) * b[i].to(torch::kDouble)).sum();
  return sum;
}

}  // namespace

Projection project_conflicting(const std::vector<torch::Tensor>& g_ce, const std::vector<torch::Tensor>& g_kl,
                               double lambda) {
  if (g_ce.size() != g_kl.size()) throw std::invalid_argument("prograd: the two gradients cover different parameters");
  if (g_ce.empty()) throw std::invalid_argument("prograd: no gradients");
  Projection out;
  const torch::Tensor ce_kl = dot(g_ce, g_kl);
  const torch::Tensor kl_kl = dot(g_kl, g_kl);
  const torch::Tensor ce_ce = dot(g_ce, g_ce);
  const torch::Tensor zero = torch::zeros_like(ce_kl);
  out.cosine = torch::where(kl_kl.gt(0).logical_and(ce_ce.gt(0)), ce_kl / (kl_kl * ce_ce).sqrt(), zero);
  out.projected = ce_kl.lt(0).logical_and(kl_kl.gt(0));
  const torch::Tensor scale = torch::where(out.projected, lambda * ce_kl / kl_kl, zero);
  for (std::size_t i = 0; i < g_ce.size(); ++i) {
    // scale is 0 when nothing conflicts, but 0 * g_kl is not g_ce's exact copy where g_kl holds inf.
    out.gradient.push_back(torch::where(out.projected, g_ce[i] - scale.to(g_ce[i].scalar_type()) * g_kl[i], g_ce[i]));
  }
  return out;
}

}  // namespace prograd

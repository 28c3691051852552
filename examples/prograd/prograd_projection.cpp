#include "prograd_projection.hpp"

#include <cmath>
#include <stdexcept>

namespace prograd {
namespace {

double dot(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
  double sum = 0;
  for (std::size_t i = 0; i < a.size(); ++i) sum += (a[i].to(torch::kDouble) * b[i].to(torch::kDouble)).sum().item<double>();
  return sum;
}

}  // namespace

Projection project_conflicting(const std::vector<torch::Tensor>& g_ce, const std::vector<torch::Tensor>& g_kl,
                               double lambda) {
  if (g_ce.size() != g_kl.size()) throw std::invalid_argument("prograd: the two gradients cover different parameters");
  Projection out;
  const double ce_kl = dot(g_ce, g_kl);
  const double kl_kl = dot(g_kl, g_kl);
  const double ce_ce = dot(g_ce, g_ce);
  out.cosine = (kl_kl > 0 && ce_ce > 0) ? ce_kl / std::sqrt(kl_kl * ce_ce) : 0.0;
  out.projected = ce_kl < 0 && kl_kl > 0;
  const double scale = out.projected ? lambda * ce_kl / kl_kl : 0.0;
  for (std::size_t i = 0; i < g_ce.size(); ++i) {
    out.gradient.push_back(out.projected ? g_ce[i] - scale * g_kl[i] : g_ce[i].clone());
  }
  return out;
}

}  // namespace prograd

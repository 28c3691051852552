#pragma once
// ProGrad's gradient rule (Zhu et al., "Prompt-aligned Gradient for Prompt Tuning", ICCV 2023):
// keep the cross-entropy gradient g_ce unless it points against the gradient g_kl of the KL
// divergence to the zero-shot prediction; then remove lambda times its component along g_kl.
#include <torch/torch.h>

#include <vector>

namespace prograd {

/// Everything stays on the gradients' device: the choice is made there with torch::where, so a
/// step never waits for the device (the framework reads the metrics once per step).
struct Projection {
  std::vector<torch::Tensor> gradient;  // the gradient to apply, one tensor per parameter
  torch::Tensor cosine;                 // 0-dim double: cos(g_ce, g_kl) over all parameters together
  torch::Tensor projected;              // 0-dim bool: whether the two conflicted (g_ce . g_kl < 0)
};

/// g_ce - lambda * (g_ce . g_kl / |g_kl|^2) * g_kl when g_ce . g_kl < 0, else g_ce. The dot
/// product and the norm run over every parameter tensor together. A zero g_kl leaves g_ce.
Projection project_conflicting(const std::vector<torch::Tensor>& g_ce, const std::vector<torch::Tensor>& g_kl,
                               double lambda);

}  // namespace prograd

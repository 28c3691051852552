#pragma once
// KgCoOp's knowledge-guidance term (Yao et al., "Visual-Language Prompt Tuning with
// Knowledge-guided Context Optimization", CVPR 2023).
#include <torch/torch.h>

namespace kgcoop {

/// weight * (1 - mean over classes of cos(learned[c], hand_written[c])), for class text features
/// [n_cls, embed] (normalised or not); a scalar tensor carrying the gradient of `learned`.
torch::Tensor kg_term(const torch::Tensor& learned, const torch::Tensor& hand_written, double weight);

}  // namespace kgcoop

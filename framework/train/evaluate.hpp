#pragma once
// Accuracy of a learner on a split's image features.
#include <torch/torch.h>

#include <cstdint>

#include "promptlab/learner.hpp"

namespace promptlab {

/// Counts of one evaluation.
struct Accuracy {
  std::int64_t n = 0;
  std::int64_t correct = 0;
  double percent() const { return n ? 100.0 * static_cast<double>(correct) / static_cast<double>(n) : 0.0; }
};

/// evaluate()'s batch.
inline constexpr std::int64_t kEvaluateBatch = 512;

/// Top-1 accuracy over features [N, embed] (or images, for a learner that takes them) and labels
/// [N], in batches.
Accuracy evaluate(Learner& learner, const torch::Tensor& features, const torch::Tensor& labels,
                  std::int64_t batch_size = kEvaluateBatch);

}  // namespace promptlab

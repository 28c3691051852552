#include "train/evaluate.hpp"

#include <algorithm>

namespace promptlab {

Accuracy evaluate(Learner& learner, const torch::Tensor& features, const torch::Tensor& labels,
                  std::int64_t batch_size) {
  torch::NoGradGuard no_grad;
  learner.eval();
  Accuracy acc;
  const std::int64_t n = features.size(0);
  for (std::int64_t begin = 0; begin < n; begin += batch_size) {
    const std::int64_t end = std::min(begin + batch_size, n);
    torch::Tensor logits = learner.logits(features.slice(0, begin, end));
    acc.correct += logits.argmax(1).eq(labels.slice(0, begin, end)).sum().item<std::int64_t>();
  }
  acc.n = n;
  return acc;
}

}  // namespace promptlab

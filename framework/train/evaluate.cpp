#include "train/evaluate.hpp"

#include <algorithm>

namespace promptlab {

Accuracy evaluate(Learner& learner, const torch::Tensor& features, const torch::Tensor& labels,
                  std::int64_t batch_size) {
  torch::NoGradGuard no_grad;
  learner.eval();
  Accuracy acc;
  const std::int64_t n = features.size(0);
  // Counted where the logits are and read once at the end: the batches never wait for the device.
  torch::Tensor correct;
  for (std::int64_t begin = 0; begin < n; begin += batch_size) {
    const std::int64_t end = std::min(begin + batch_size, n);
    torch::Tensor logits = learner.logits(features.slice(0, begin, end));
    torch::Tensor hits = logits.argmax(1).eq(labels.slice(0, begin, end).to(logits.device())).sum();
    correct = correct.defined() ? correct + hits : hits;
  }
  acc.correct = correct.defined() ? correct.item<std::int64_t>() : 0;
  acc.n = n;
  return acc;
}

}  // namespace promptlab

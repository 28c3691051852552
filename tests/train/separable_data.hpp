#pragma once
// A training set two linear classes apart, for the training-loop tests.
#include <torch/torch.h>

#include "train/train_data.hpp"

namespace promptlab::test {

/// n features [n, 4] whose first coordinate is about -1 (label 0) or +1 (label 1), one view.
inline TrainData separable_data(int n) {
  torch::manual_seed(0);
  torch::Tensor labels = torch::arange(n) % 2;
  torch::Tensor f = torch::randn({n, 4}) * 0.1;
  f.select(1, 0).add_(labels.to(torch::kFloat) * 2 - 1);
  return TrainData{{f}, labels};
}

}  // namespace promptlab::test

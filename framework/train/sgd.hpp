#pragma once
// SGD with momentum and weight decay, matching torch.optim.SGD (docs/protocol.md §5).
#include <torch/torch.h>

#include <vector>

#include "promptlab/config.hpp"

namespace promptlab {

/// Options of the framework's base optimizer.
struct SgdOptions {
  double lr = 0.002;
  double momentum = 0.9;
  double dampening = 0.0;
  double weight_decay = 5e-4;
  bool nesterov = false;
};

/// SGD's settings from a run config (optim.lr, optim.momentum, optim.dampening, optim.weight_decay).
SgdOptions sgd_options(const Config& config);

/// d = g + wd*w; buf = m*buf + (1-dampening)*d (buf = d on the first step); w -= lr*buf.
class Sgd {
 public:
  Sgd(std::vector<torch::Tensor> params, SgdOptions options);
  /// Applies one update using each parameter's current .grad() (undefined grads are skipped).
  void step();
  void set_lr(double lr) { options_.lr = lr; }
  double lr() const { return options_.lr; }
  const SgdOptions& options() const { return options_; }
  const std::vector<torch::Tensor>& parameters() const { return params_; }
  /// Momentum buffers, one per parameter (undefined before a parameter's first step).
  const std::vector<torch::Tensor>& momentum_buffers() const { return buffers_; }
  /// Restores buffers saved from momentum_buffers(); throws when the count or a shape differs.
  void set_momentum_buffers(const std::vector<torch::Tensor>& buffers);

 private:
  std::vector<torch::Tensor> params_;
  std::vector<torch::Tensor> buffers_;
  SgdOptions options_;
};

}  // namespace promptlab

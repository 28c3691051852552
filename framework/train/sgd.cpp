#include "train/sgd.hpp"

namespace promptlab {

SgdOptions sgd_options(const Config& config) {
  SgdOptions o;
  o.lr = config.get_double("optim.lr");
  o.momentum = config.get_double("optim.momentum");
  o.dampening = config.get_double("optim.dampening");
  o.weight_decay = config.get_double("optim.weight_decay");
  return o;
}

Sgd::Sgd(std::vector<torch::Tensor> params, SgdOptions options)
    : params_(std::move(params)), buffers_(params_.size()), options_(options) {}

void Sgd::step() {
  torch::NoGradGuard no_grad;
  for (std::size_t i = 0; i < params_.size(); ++i) {
    auto& p = params_[i];
    if (!p.grad().defined()) continue;
    torch::Tensor d = p.grad();
    if (options_.weight_decay != 0.0) d = d.add(p, options_.weight_decay);
    if (options_.momentum != 0.0) {
      auto& buf = buffers_[i];
      if (!buf.defined()) {
        buf = d.clone();
      } else {
        buf.mul_(options_.momentum).add_(d, 1.0 - options_.dampening);
      }
      d = options_.nesterov ? d.add(buf, options_.momentum) : buf;
    }
    p.add_(d, -options_.lr);
  }
}

void Sgd::set_momentum_buffers(const std::vector<torch::Tensor>& buffers) {
  if (buffers.size() != params_.size()) {
    throw std::invalid_argument("Sgd: " + std::to_string(buffers.size()) + " momentum buffers for " +
                                std::to_string(params_.size()) + " parameters");
  }
  for (std::size_t i = 0; i < buffers.size(); ++i) {
    if (buffers[i].defined() && !buffers[i].sizes().equals(params_[i].sizes())) {
      throw std::invalid_argument("Sgd: momentum buffer " + std::to_string(i) + " has shape " +
                                  c10::str(buffers[i].sizes()) + ", its parameter " + c10::str(params_[i].sizes()));
    }
    buffers_[i] = buffers[i].defined() ? buffers[i].to(params_[i].options()).clone() : torch::Tensor();
  }
}

}  // namespace promptlab

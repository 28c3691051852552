#include "coop/linear_probe_learner.hpp"

#include <stdexcept>

#include "promptlab/prompt/frozen_clip.hpp"
#include "promptlab/prompt/template_text.hpp"

namespace promptlab {

LinearProbeLearner::LinearProbeLearner(const LearnerContext& context)
    : clip_(context.clip), tokenizer_(context.tokenizer), template_(context.prompt_template), device_(context.device) {
  if (!clip_) throw std::invalid_argument("linear_probe learner: LearnerContext.clip is null");
  if (tokenizer_ == nullptr) throw std::invalid_argument("linear_probe learner: LearnerContext.tokenizer is null");
  freeze_clip(clip_);
  weight_ = register_parameter("weight", torch::zeros({1, 1}));
  bias_ = register_parameter("bias", torch::zeros({1}));
  set_classnames(context.classnames);
}

void LinearProbeLearner::remember_rows() {
  for (std::size_t i = 0; i < classnames_.size(); ++i) {
    learned_[classnames_[i]] = {weight_[static_cast<std::int64_t>(i)].detach().clone(),
                                bias_[static_cast<std::int64_t>(i)].detach().clone()};
  }
}

void LinearProbeLearner::set_classnames(const std::vector<std::string>& classnames) {
  remember_rows();
  torch::NoGradGuard no_grad;
  torch::Tensor text = template_text_features(clip_, *tokenizer_, template_, classnames, device_).to(torch::kFloat);
  torch::Tensor w = text * clip_->logit_scale_exp().to(torch::kFloat);
  torch::Tensor b = torch::zeros({static_cast<std::int64_t>(classnames.size())}, w.options());
  for (std::size_t i = 0; i < classnames.size(); ++i) {
    auto it = learned_.find(classnames[i]);
    if (it == learned_.end()) continue;
    w[static_cast<std::int64_t>(i)].copy_(it->second.first);
    b[static_cast<std::int64_t>(i)].copy_(it->second.second);
  }
  weight_.set_data(w);
  bias_.set_data(b);
  classnames_ = classnames;
}

torch::Tensor LinearProbeLearner::logits(const torch::Tensor& image_features) {
  torch::Tensor f = image_features.to(torch::kFloat);
  f = f / f.norm(2, -1, true);
  return f.matmul(weight_.t()) + bias_;
}

void LinearProbeLearner::set_target(const std::vector<std::string>& classnames, const std::string& prompt_template) {
  template_ = prompt_template;
  set_classnames(classnames);
}

}  // namespace promptlab

#include "coop/zeroshot_learner.hpp"

#include <stdexcept>

#include "promptlab/prompt/frozen_clip.hpp"
#include "promptlab/prompt/template_text.hpp"

namespace promptlab {

ZeroshotLearner::ZeroshotLearner(const LearnerContext& context)
    : clip_(context.clip), tokenizer_(context.tokenizer), template_(context.prompt_template), device_(context.device) {
  if (!clip_) throw std::invalid_argument("zeroshot learner: LearnerContext.clip is null");
  if (tokenizer_ == nullptr) throw std::invalid_argument("zeroshot learner: LearnerContext.tokenizer is null");
  freeze_clip(clip_);
  set_classnames(context.classnames);
}

void ZeroshotLearner::set_classnames(const std::vector<std::string>& classnames) {
  text_ = template_text_features(clip_, *tokenizer_, template_, classnames, device_);
}

torch::Tensor ZeroshotLearner::logits(const torch::Tensor& image_features) {
  torch::NoGradGuard no_grad;
  return cosine_logits(clip_, image_features, text_);
}

void ZeroshotLearner::set_target(const std::vector<std::string>& classnames, const std::string& prompt_template) {
  template_ = prompt_template;
  set_classnames(classnames);
}

}  // namespace promptlab

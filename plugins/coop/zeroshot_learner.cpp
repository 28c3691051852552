#include "coop/zeroshot_learner.hpp"

#include <stdexcept>

#include "promptlab/prompt/frozen_clip.hpp"

namespace promptlab {

ZeroshotLearner::ZeroshotLearner(const LearnerContext& context)
    : clip_(context.clip), tokenizer_(context.tokenizer), template_(context.prompt_template), device_(context.device) {
  if (!clip_) throw std::invalid_argument("zeroshot learner: LearnerContext.clip is null");
  if (tokenizer_ == nullptr) throw std::invalid_argument("zeroshot learner: LearnerContext.tokenizer is null");
  freeze_clip(clip_);
  set_classnames(context.classnames);
}

void ZeroshotLearner::set_classnames(const std::vector<std::string>& classnames) {
  teacher_.emplace(clip_, *tokenizer_, template_, classnames, device_);
  teacher_->text_features();  // a bad template fails here, naming it, rather than at the first logits
}

torch::Tensor ZeroshotLearner::logits(const torch::Tensor& image_features) { return teacher_->logits(image_features); }

void ZeroshotLearner::set_target(const std::vector<std::string>& classnames, const std::string& prompt_template) {
  template_ = prompt_template;
  set_classnames(classnames);
}

}  // namespace promptlab

#include "kgcoop_learner.hpp"

#include <promptlab/prompt/frozen_clip.hpp>

#include <cmath>
#include <stdexcept>

#include "kg_term.hpp"

namespace kgcoop {

KgCoopLearner::KgCoopLearner(const promptlab::LearnerContext& context)
    : promptlab::CoopLearner(context), clip_(context.clip), teacher_(context.zero_shot),
      weight_(context.config.get_double("kgcoop.weight")) {
  if (!teacher_) throw std::invalid_argument("kgcoop learner: the run has no zero-shot teacher");
  if (!(weight_ >= 0.0) || !std::isfinite(weight_)) {
    throw promptlab::ConfigError("kgcoop.weight must be a finite number >= 0, got " + std::to_string(weight_));
  }
}

promptlab::LearnerOutput KgCoopLearner::training_forward(const promptlab::TrainingBatch& batch) {
  // One text-encoder pass serves both the logits and the term.
  const torch::Tensor text = text_features();
  return {promptlab::cosine_logits(clip_, batch.image_features, text),
          {{"kg", kg_term(text, teacher_->text_features(), weight_)}}};
}

}  // namespace kgcoop

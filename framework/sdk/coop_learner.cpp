#include "promptlab/prompt/coop_learner.hpp"

#include <stdexcept>

#include "promptlab/prompt/frozen_clip.hpp"
#include "promptlab/prompt/context_init.hpp"
#include "promptlab/prompt/nearest_tokens.hpp"

namespace promptlab {

CoopLearner::CoopLearner(const LearnerContext& context)
    : clip_(context.clip), tokenizer_(context.tokenizer), options_(CoopOptions::from_config(context.config)),
      device_(context.device) {
  if (!clip_) throw std::invalid_argument("coop learner: LearnerContext.clip is null");
  if (tokenizer_ == nullptr) throw std::invalid_argument("coop learner: LearnerContext.tokenizer is null");
  freeze_clip(clip_);
  InitialContext init = initial_context(clip_, *tokenizer_, options_, device_);
  options_.n_ctx = init.n_ctx;
  prefix_ = init.prefix;
  torch::Tensor vectors = init.vectors;
  if (options_.csc) {
    vectors = vectors.unsqueeze(0).repeat({static_cast<std::int64_t>(context.classnames.size()), 1, 1});
  }
  ctx_ = register_parameter("ctx", vectors.to(learned_dtype(clip_)).clone());
  set_classnames(context.classnames);
}

void CoopLearner::set_classnames(const std::vector<std::string>& classnames) {
  if (options_.csc && ctx_.size(0) != static_cast<std::int64_t>(classnames.size())) {
    throw std::invalid_argument("coop learner: class-specific context was learned for " +
                                std::to_string(ctx_.size(0)) + " classes and cannot serve " +
                                std::to_string(classnames.size()) + " classes");
  }
  tokens_ = tokenize_prompts(clip_, *tokenizer_, prefix_, options_.n_ctx, classnames, device_);
}

torch::Tensor CoopLearner::prompt_embeddings() const {
  const std::int64_t n_cls = tokens_.embeddings.size(0);
  torch::Tensor ctx = options_.csc ? ctx_ : ctx_.unsqueeze(0).expand({n_cls, ctx_.size(0), ctx_.size(1)});
  return assemble_prompts(ctx, tokens_, options_.position);
}

torch::Tensor CoopLearner::text_features() {
  // One context for every class, before the class name: [SOS, ctx] is shared by all prompts.
  torch::Tensor text = !options_.csc && options_.position == ClassTokenPosition::kEnd
                           ? encode_context_prompts(clip_, ctx_.unsqueeze(0), tokens_)
                           : clip_->encode_text_embeddings(prompt_embeddings(), tokens_.eot);
  return text / text.norm(2, -1, true);
}

torch::Tensor CoopLearner::logits(const torch::Tensor& image_features) {
  return cosine_logits(clip_, image_features, text_features());
}

std::string CoopLearner::describe() const {
  ClipModel clip = clip_;
  const torch::Tensor flat = ctx_.detach().reshape({-1, ctx_.size(-1)});
  std::vector<std::string> words = nearest_token_words(clip, *tokenizer_, flat);
  std::string out;
  const std::size_t per_row = static_cast<std::size_t>(options_.n_ctx);
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i % per_row == 0) {
      if (i > 0) out += "\n";
      out += options_.csc ? "class " + std::to_string(i / per_row) + ":" : "ctx:";
    }
    out += " " + words[i];
  }
  return out;
}

}  // namespace promptlab

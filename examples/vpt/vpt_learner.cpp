#include "vpt_learner.hpp"

#include <promptlab/prompt/context_init.hpp>
#include <promptlab/prompt/frozen_clip.hpp>
#include <promptlab/prompt/template_text.hpp>

#include <sstream>
#include <stdexcept>

#include "vpt_init.hpp"

namespace vpt {

VptLearner::VptLearner(const promptlab::LearnerContext& context)
    : clip_(context.clip), tokenizer_(context.tokenizer), template_(context.prompt_template), device_(context.device) {
  if (!clip_ || tokenizer_ == nullptr) throw std::invalid_argument("vpt learner: the context has no CLIP or tokenizer");
  const promptlab::ClipConfig& c = clip_->config();
  if (c.vision_kind != promptlab::VisionKind::kViT) {
    throw std::invalid_argument("vpt learner: visual prompts need a vision transformer; this CLIP's image tower is a ResNet");
  }
  const std::int64_t n_tokens = context.config.get_int("vpt.n_tokens");
  std::int64_t depth = context.config.get_int("vpt.depth");
  if (n_tokens < 1) throw promptlab::ConfigError("vpt.n_tokens must be at least 1, got " + std::to_string(n_tokens));
  if (depth < 0 || depth > c.vision_layers) {
    throw promptlab::ConfigError("vpt.depth must be between 0 (every layer) and " + std::to_string(c.vision_layers) +
                                 ", got " + std::to_string(depth));
  }
  if (depth == 0) depth = c.vision_layers;
  promptlab::freeze_clip(clip_);
  const auto seed = static_cast<std::uint64_t>(context.config.get_int("seed", 1));
  torch::Tensor init = initial_prompts(depth, n_tokens, c.vision_patch, c.vision_width, promptlab::seeded_generator(seed));
  prompts_ = register_parameter("prompts", init.to(device_, promptlab::learned_dtype(clip_)));
  set_classnames(context.classnames);
}

torch::Tensor VptLearner::logits(const torch::Tensor& images) {
  const torch::Tensor features = clip_->encode_image_prompted(images, per_layer(prompts_));
  return promptlab::cosine_logits(clip_, features, text_);
}

void VptLearner::set_classnames(const std::vector<std::string>& classnames) {
  text_ = promptlab::template_text_features(clip_, *tokenizer_, template_, classnames, device_);
}

void VptLearner::set_target(const std::vector<std::string>& classnames, const std::string& prompt_template) {
  template_ = prompt_template;
  set_classnames(classnames);
}

std::string VptLearner::describe() const {
  std::ostringstream s;
  s << "visual prompts: " << prompts_.size(0) << " layers x " << prompts_.size(1) << " tokens x " << prompts_.size(2)
    << "; RMS per layer:";
  const torch::Tensor rms = prompts_.detach().to(torch::kFloat).pow(2).mean({1, 2}).sqrt();
  for (std::int64_t i = 0; i < rms.size(0); ++i) s << " " << rms[i].item<float>();
  return s.str();
}

}  // namespace vpt

#include "ivlp_learner.hpp"

#include <promptlab/prompt/context_init.hpp>
#include <promptlab/prompt/frozen_clip.hpp>

#include <sstream>
#include <stdexcept>

#include "vpt_init.hpp"

namespace vpt {

namespace {

// ivlp.depth for a tower of `layers` layers: 0 means all of them.
std::int64_t tower_depth(std::int64_t depth, std::int64_t layers, const char* tower) {
  if (depth < 0 || depth > layers) {
    throw promptlab::ConfigError("ivlp.depth must be between 0 (every layer) and the " + std::string(tower) +
                                 " tower's " + std::to_string(layers) + " layers, got " + std::to_string(depth));
  }
  return depth == 0 ? layers : depth;
}

}  // namespace

IvlpLearner::IvlpLearner(const promptlab::LearnerContext& context)
    : promptlab::CoopLearner(context), clip_(context.clip) {
  const promptlab::ClipConfig& c = clip_->config();
  if (c.vision_kind != promptlab::VisionKind::kViT) {
    throw std::invalid_argument("ivlp learner: visual prompts need a vision transformer; this CLIP's image tower is a ResNet");
  }
  if (options().position != promptlab::ClassTokenPosition::kEnd || options().csc) {
    throw promptlab::ConfigError("ivlp learner: the language prompts replace the context right after SOS, so it needs "
                                 "coop.class_token_position = \"end\" and coop.csc = false");
  }
  const std::int64_t depth = context.config.get_int("ivlp.depth");
  const std::int64_t vision_tokens = context.config.get_int("ivlp.vision_tokens");
  if (vision_tokens < 1) throw promptlab::ConfigError("ivlp.vision_tokens must be at least 1, got " + std::to_string(vision_tokens));
  const std::int64_t vision_depth = tower_depth(depth, c.vision_layers, "vision");
  const std::int64_t text_depth = tower_depth(depth, c.text_layers, "text");
  // MaPLe's code draws both sets from N(0, 0.02^2).
  torch::Generator generator = promptlab::seeded_generator(options().seed ^ 0x69766c70ull);
  const torch::ScalarType learned = promptlab::learned_dtype(clip_);
  visual_ = register_parameter("visual_prompts",
                               (0.02 * torch::randn({vision_depth, vision_tokens, c.vision_width}, generator))
                                   .to(context.device, learned));
  language_ = register_parameter("language_prompts",
                                 (0.02 * torch::randn({text_depth - 1, options().n_ctx, c.text_width}, generator))
                                     .to(context.device, learned));
}

torch::Tensor IvlpLearner::logits(const torch::Tensor& images) {
  const torch::Tensor image = clip_->encode_image_prompted(images, per_layer(visual_));
  torch::Tensor text = clip_->encode_text_embeddings_prompted(prompt_embeddings(), tokens().eot, language_layers(language_));
  text = text / text.norm(2, -1, true);
  return promptlab::cosine_logits(clip_, image, text);
}

std::vector<torch::Tensor> IvlpLearner::trainable_parameters() { return {context(), visual_, language_}; }

std::string IvlpLearner::describe() const {
  std::ostringstream s;
  s << CoopLearner::describe() << "\nvisual prompts: " << visual_.size(0) << " layers x " << visual_.size(1)
    << " tokens; language prompts: " << language_.size(0) << " layers after the first x " << language_.size(1) << " tokens";
  return s.str();
}

}  // namespace vpt

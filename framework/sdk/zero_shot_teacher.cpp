#include "promptlab/prompt/zero_shot_teacher.hpp"

#include <utility>

#include "promptlab/prompt/frozen_clip.hpp"
#include "promptlab/prompt/template_text.hpp"

namespace promptlab {

ZeroShotTeacher::ZeroShotTeacher(ClipModel clip, const Tokenizer& tokenizer, std::string prompt_template,
                                 std::vector<std::string> classnames, torch::Device device)
    : clip_(std::move(clip)), tokenizer_(&tokenizer), template_(std::move(prompt_template)),
      classnames_(std::move(classnames)), device_(device) {}

const torch::Tensor& ZeroShotTeacher::text_features() {
  if (!text_.defined()) text_ = template_text_features(clip_, *tokenizer_, template_, classnames_, device_);
  return text_;
}

torch::Tensor ZeroShotTeacher::logits(const torch::Tensor& image_features) {
  torch::NoGradGuard no_grad;
  return cosine_logits(clip_, image_features, text_features());
}

torch::Tensor ZeroShotTeacher::logits_of_images(const torch::Tensor& images) {
  torch::NoGradGuard no_grad;
  return logits(clip_->encode_image(images));
}

}  // namespace promptlab

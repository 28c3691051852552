#include "promptlab/prompt/frozen_clip.hpp"

namespace promptlab {

void freeze_clip(ClipModel& clip) {
  for (auto& p : clip->parameters()) p.requires_grad_(false);
}

torch::ScalarType learned_dtype(const ClipModel& clip) {
  return clip->precision() == Precision::kFp16 ? torch::kHalf : torch::kFloat;
}

torch::Tensor cosine_logits(ClipModel& clip, const torch::Tensor& image_features, const torch::Tensor& text_features) {
  torch::Tensor img = image_features.to(text_features.options());
  img = img / img.norm(2, -1, true);
  torch::Tensor scale = clip->logit_scale_exp().to(text_features.options());
  return (scale * img.matmul(text_features.t())).to(torch::kFloat);
}

}  // namespace promptlab

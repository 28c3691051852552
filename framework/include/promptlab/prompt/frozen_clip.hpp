#pragma once
// SDK: helpers for learners built on a frozen CLIP (every prompt learner shares them).
#include <torch/torch.h>

#include "promptlab/clip_model.hpp"

namespace promptlab {

/// Marks every CLIP parameter as not requiring gradients.
void freeze_clip(ClipModel& clip);

/// exp(logit_scale) * normalise(image) . normalise(text)^T as fp32 logits [B, n_cls];
/// `text_features` must already be L2-normalised.
torch::Tensor cosine_logits(ClipModel& clip, const torch::Tensor& image_features, const torch::Tensor& text_features);

}  // namespace promptlab

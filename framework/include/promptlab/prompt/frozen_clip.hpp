#pragma once
// SDK: helpers for learners built on a frozen CLIP (every prompt learner shares them).
#include "promptlab/export.hpp"
#include <torch/torch.h>

#include "promptlab/clip_model.hpp"

namespace promptlab {

/// Marks every CLIP parameter as not requiring gradients.
PROMPTLAB_API void freeze_clip(ClipModel& clip);

/// The dtype of a learner's own parameters on `clip`: fp32, except in fp16, which reproduces the
/// reference's pure-half training (CoOp learns its context in the model's fp16). Under bf16 the
/// frozen encoders compute in bf16 while the learned parameters and their SGD state stay fp32
/// (docs/speed.md, "Precision").
PROMPTLAB_API torch::ScalarType learned_dtype(const ClipModel& clip);

/// exp(logit_scale) * normalise(image) . normalise(text)^T as fp32 logits [B, n_cls];
/// `text_features` must already be L2-normalised.
PROMPTLAB_API torch::Tensor cosine_logits(ClipModel& clip, const torch::Tensor& image_features, const torch::Tensor& text_features);

}  // namespace promptlab

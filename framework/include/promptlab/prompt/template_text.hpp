#pragma once
// SDK: zero-shot text features: the dataset's hand-written template filled with each class name.
#include "promptlab/export.hpp"
#include <torch/torch.h>

#include <string>
#include <vector>

#include "promptlab/clip_model.hpp"
#include "promptlab/tokenizer.hpp"

namespace promptlab {

/// Replaces every "{}" in the template with the class name ("_" -> space). A template
/// without "{}" throws naming it; an empty one means "a photo of a {}.".
PROMPTLAB_API std::string fill_template(const std::string& prompt_template, const std::string& classname);

/// L2-normalised encode_text features [n_cls, embed] of the filled template, no grad.
PROMPTLAB_API torch::Tensor template_text_features(ClipModel& clip, const Tokenizer& tokenizer, const std::string& prompt_template,
                                     const std::vector<std::string>& classnames, const torch::Device& device);

}  // namespace promptlab

#pragma once
// SDK: the zero-shot teacher: CLIP with the dataset's hand-written prompt for each training class
// (docs/protocol.md §12). KgCoOp pulls the learned class features towards its text features; ProGrad
// keeps the gradient from fighting its predictions. The host builds one per run for the training
// classes and hands it to learners (LearnerContext::zero_shot) and to objectives ("kl_to_zeroshot").
#include <torch/torch.h>

#include <string>
#include <vector>

#include "promptlab/clip_model.hpp"
#include "promptlab/export.hpp"
#include "promptlab/tokenizer.hpp"

namespace promptlab {

class PROMPTLAB_API ZeroShotTeacher {
 public:
  /// Nothing is encoded until text_features() is first asked for, so a run whose method never
  /// consults the teacher pays nothing for it.
  ZeroShotTeacher(ClipModel clip, const Tokenizer& tokenizer, std::string prompt_template,
                  std::vector<std::string> classnames, torch::Device device);
  /// L2-normalised text features [n_cls, embed] of the filled template, without gradient.
  const torch::Tensor& text_features();
  /// Zero-shot logits [B, n_cls] (fp32) for image features [B, embed], without gradient.
  torch::Tensor logits(const torch::Tensor& image_features);
  /// The same for preprocessed images [B, 3, R, R], encoded by the frozen image encoder.
  torch::Tensor logits_of_images(const torch::Tensor& images);
  const std::vector<std::string>& classnames() const { return classnames_; }
  const std::string& prompt_template() const { return template_; }

 private:
  ClipModel clip_;
  const Tokenizer* tokenizer_;
  std::string template_;
  std::vector<std::string> classnames_;
  torch::Device device_;
  torch::Tensor text_;
};

}  // namespace promptlab

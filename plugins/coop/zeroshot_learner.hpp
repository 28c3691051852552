#pragma once
// CLIP zero-shot classification with the dataset's hand-written prompt template.
#include <torch/torch.h>

#include <optional>
#include <string>
#include <vector>

#include "promptlab/learner.hpp"
#include "promptlab/prompt/zero_shot_teacher.hpp"

namespace promptlab {

/// No trainable parameters: the zero-shot teacher of the current class list and template.
class ZeroshotLearner : public Learner {
 public:
  explicit ZeroshotLearner(const LearnerContext& context);
  torch::Tensor logits(const torch::Tensor& image_features) override;
  void set_classnames(const std::vector<std::string>& classnames) override;
  /// Uses the target's template from now on.
  void set_target(const std::vector<std::string>& classnames, const std::string& prompt_template) override;
  std::vector<torch::Tensor> trainable_parameters() override { return {}; }
  std::string describe() const override { return "template: " + template_; }
  /// L2-normalised text features [n_cls, embed] of the current classes.
  const torch::Tensor& text_features() { return teacher_->text_features(); }

 private:
  ClipModel clip_;
  const Tokenizer* tokenizer_;
  std::string template_;
  torch::Device device_;
  std::optional<ZeroShotTeacher> teacher_;
};

}  // namespace promptlab

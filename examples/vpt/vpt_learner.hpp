#pragma once
// The VPT learner: learnable tokens in the frozen CLIP's vision transformer, at the first `depth`
// layers; the classes' text features come from the dataset's hand-written prompt.
#include <promptlab/learner.hpp>

namespace vpt {

class VptLearner : public promptlab::Learner {
 public:
  /// Reads vpt.n_tokens and vpt.depth (0: every layer); needs a ViT image tower.
  explicit VptLearner(const promptlab::LearnerContext& context);
  promptlab::LearnerInput input() const override { return promptlab::LearnerInput::kImages; }
  torch::Tensor logits(const torch::Tensor& images) override;
  void set_classnames(const std::vector<std::string>& classnames) override;
  void set_target(const std::vector<std::string>& classnames, const std::string& prompt_template) override;
  std::string describe() const override;

 private:
  promptlab::ClipModel clip_;
  const promptlab::Tokenizer* tokenizer_;
  std::string template_;
  torch::Device device_;
  torch::Tensor prompts_;  // [depth, n_tokens, vision_width]
  torch::Tensor text_;     // hand-written prompt features of the current classes
};

}  // namespace vpt

#pragma once
// The IVLP learner (independent vision-language prompting, the baseline of Khattak et al., "MaPLe",
// CVPR 2023): CoOp's context on the text side plus its own learned tokens at the first `depth`
// layers of each tower, the language ones in place of the context after layer 0, the visual ones
// beside the image tokens as in VPT-deep. Takes images, like the vpt learner.
#include <promptlab/prompt/coop_learner.hpp>

namespace vpt {

class IvlpLearner : public promptlab::CoopLearner {
 public:
  /// Reads the coop.* keys (the class token must sit at the end), ivlp.depth (0: every layer of
  /// each tower) and ivlp.vision_tokens; needs a ViT image tower.
  explicit IvlpLearner(const promptlab::LearnerContext& context);
  promptlab::LearnerInput input() const override { return promptlab::LearnerInput::kImages; }
  torch::Tensor logits(const torch::Tensor& images) override;
  std::vector<torch::Tensor> trainable_parameters() override;
  std::string describe() const override;

 private:
  promptlab::ClipModel clip_;
  torch::Tensor visual_;    // [vision depth, vision_tokens, vision_width]
  torch::Tensor language_;  // [text depth - 1, n_ctx, text_width]: layers 1.. (layer 0's is the context)
};

}  // namespace vpt

#pragma once
// CLIP's vision-transformer image tower (ViT-B/16 ...) as plain tensor functions over
// weights registered under OpenAI's key names: patch conv, class token, transformer, proj.
#include <torch/torch.h>

#include <vector>

#include "clip/clip_transformer.hpp"
#include "promptlab/clip_model.hpp"

namespace promptlab {

/// The ViT tower's weights (`visual.*`).
struct VitWeights {
  torch::Tensor conv1, class_embedding, positional_embedding, proj;
  LayerNormWeights ln_pre, ln_post;
  std::vector<BlockWeights> blocks;
};

/// Registers the tower on `visual` in OpenAI's order, with CLIP's initialisation.
VitWeights register_vit(torch::nn::Module& visual, const ClipConfig& config);

/// Image features [B, embed] of images [B, 3, R, R] already in the weights' dtype and device.
/// `deep_prompts` (visual prompt tuning): deep_prompts[0], [n, width], is appended to the tokens
/// before ln_pre; before block i >= 1, a defined deep_prompts[i] replaces those n tokens. Blocks past
/// the last entry carry the prompt tokens through. Empty: the plain tower.
torch::Tensor run_vit(const torch::Tensor& images, const VitWeights& w, const ClipConfig& config,
                      const std::vector<torch::Tensor>& deep_prompts = {});

}  // namespace promptlab

#pragma once
// OpenAI's modified ResNet image tower (RN50, RN101, RN50x4 ...) as plain tensor functions
// over weights registered under OpenAI's key names: a three-conv stem, four stages of
// Bottleneck blocks with average-pool downsampling, and an attention pool.
#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

#include "clip/clip_attention_pool.hpp"
#include "promptlab/clip_model.hpp"

namespace promptlab {

/// BatchNorm in eval mode: affine parameters plus running statistics (buffers, always fp32).
struct BatchNormWeights {
  torch::Tensor weight, bias;
  torch::Tensor running_mean, running_var;
};

/// One Bottleneck block (expansion 4); the downsample tensors are undefined when the skip
/// path is the identity.
struct BottleneckWeights {
  torch::Tensor conv1, conv2, conv3;
  BatchNormWeights bn1, bn2, bn3;
  torch::Tensor downsample_conv;
  BatchNormWeights downsample_bn;
  std::int64_t stride = 1;
};

/// The whole tower: stem, the blocks of layer1..layer4 in order, attention pool.
struct ResNetWeights {
  torch::Tensor conv1, conv2, conv3;
  BatchNormWeights bn1, bn2, bn3;
  std::vector<BottleneckWeights> blocks;
  AttentionPoolWeights attnpool;
};

/// Registers the tower's parameters and BatchNorm buffers on `visual` (uninitialised).
ResNetWeights register_resnet(torch::nn::Module& visual, const ClipConfig& config);
/// A fresh tower's initialisation: He-normal convs, identity BatchNorms (the last of each
/// block scaled to zero, so blocks start as their skip path), CLIP's attention-pool init.
void init_resnet(ResNetWeights& w);

/// BatchNorm with running statistics (eps 1e-5), computed in fp32, returned in x's dtype.
torch::Tensor batch_norm_fp32(const torch::Tensor& x, const BatchNormWeights& bn);

/// Image features [B, embed] of images [B, 3, R, R] already in the weights' dtype and device.
torch::Tensor run_resnet(const torch::Tensor& images, const ResNetWeights& w, std::int64_t heads);

}  // namespace promptlab

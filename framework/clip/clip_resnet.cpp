// ResNet CLIP's convolutional trunk on raw tensors (NCHW), BatchNorm in eval mode.
#include "clip/clip_resnet.hpp"

#include <cmath>
#include <stdexcept>

#include "clip/clip_transformer.hpp"

namespace promptlab {
namespace {

constexpr double kBatchNormEps = 1e-5;
constexpr std::int64_t kExpansion = 4;

// Registers `<name>.weight` [out, in, k, k] (bias-free convolution) under `parent`.
torch::Tensor register_conv(torch::nn::Module& parent, const std::string& name, std::int64_t in,
                            std::int64_t out, std::int64_t kernel) {
  return add_child_module(parent, name)->register_parameter("weight", torch::empty({out, in, kernel, kernel}));
}

// Registers BatchNorm `<name>.{weight, bias}` parameters and `<name>.{running_mean,
// running_var, num_batches_tracked}` buffers, as an identity transform.
BatchNormWeights register_batch_norm(torch::nn::Module& parent, const std::string& name, std::int64_t channels) {
  auto bn = add_child_module(parent, name);
  BatchNormWeights w;
  w.weight = bn->register_parameter("weight", torch::ones({channels}));
  w.bias = bn->register_parameter("bias", torch::zeros({channels}));
  w.running_mean = bn->register_buffer("running_mean", torch::zeros({channels}));
  w.running_var = bn->register_buffer("running_var", torch::ones({channels}));
  bn->register_buffer("num_batches_tracked", torch::zeros({}, torch::kLong));
  return w;
}

BottleneckWeights register_bottleneck(torch::nn::Module& stage, std::int64_t index, std::int64_t in,
                                      std::int64_t planes, std::int64_t stride) {
  auto block = add_child_module(stage, std::to_string(index));
  BottleneckWeights w;
  w.stride = stride;
  w.conv1 = register_conv(*block, "conv1", in, planes, 1);
  w.bn1 = register_batch_norm(*block, "bn1", planes);
  w.conv2 = register_conv(*block, "conv2", planes, planes, 3);
  w.bn2 = register_batch_norm(*block, "bn2", planes);
  w.conv3 = register_conv(*block, "conv3", planes, planes * kExpansion, 1);
  w.bn3 = register_batch_norm(*block, "bn3", planes * kExpansion);
  if (stride > 1 || in != planes * kExpansion) {
    // downsample.0 is the parameter-free average pool.
    auto downsample = add_child_module(*block, "downsample");
    w.downsample_conv = register_conv(*downsample, "1", in, planes * kExpansion, 1);
    w.downsample_bn = register_batch_norm(*downsample, "2", planes * kExpansion);
  }
  return w;
}

torch::Tensor conv_bn(const torch::Tensor& x, const torch::Tensor& conv, const BatchNormWeights& bn,
                      std::int64_t stride, std::int64_t padding) {
  return batch_norm_fp32(torch::conv2d(x, conv, {}, stride, padding), bn);
}

// Average pooling by `stride` (the anti-aliased downsampling); identity for stride 1.
torch::Tensor downsample_pool(const torch::Tensor& x, std::int64_t stride) {
  return stride > 1 ? torch::avg_pool2d(x, stride) : x;
}

torch::Tensor run_bottleneck(const torch::Tensor& x, const BottleneckWeights& w) {
  torch::Tensor out = torch::relu(conv_bn(x, w.conv1, w.bn1, 1, 0));
  out = torch::relu(conv_bn(out, w.conv2, w.bn2, 1, 1));
  out = conv_bn(downsample_pool(out, w.stride), w.conv3, w.bn3, 1, 0);
  torch::Tensor skip =
      w.downsample_conv.defined() ? conv_bn(downsample_pool(x, w.stride), w.downsample_conv, w.downsample_bn, 1, 0) : x;
  return torch::relu(out + skip);
}

void init_batch_norm(BatchNormWeights& bn, double scale) {
  bn.weight.fill_(scale);
  bn.bias.zero_();
  bn.running_mean.zero_();
  bn.running_var.fill_(1.0);
}

void init_conv(torch::Tensor& conv) {
  conv.normal_(0.0, std::sqrt(2.0 / static_cast<double>(conv[0].numel())));
}

}  // namespace

ResNetWeights register_resnet(torch::nn::Module& visual, const ClipConfig& config) {
  const std::int64_t width = config.vision_width;
  if (width % 2 != 0) {
    throw std::invalid_argument("ClipConfig: ResNet width " + std::to_string(width) + " must be even");
  }
  ResNetWeights w;
  w.conv1 = register_conv(visual, "conv1", 3, width / 2, 3);
  w.bn1 = register_batch_norm(visual, "bn1", width / 2);
  w.conv2 = register_conv(visual, "conv2", width / 2, width / 2, 3);
  w.bn2 = register_batch_norm(visual, "bn2", width / 2);
  w.conv3 = register_conv(visual, "conv3", width / 2, width, 3);
  w.bn3 = register_batch_norm(visual, "bn3", width);
  std::int64_t in = width;
  for (std::size_t stage = 0; stage < config.resnet_layers.size(); ++stage) {
    const std::int64_t planes = width << stage;
    const std::int64_t blocks = config.resnet_layers[stage];
    if (blocks < 1) throw std::invalid_argument("ClipConfig: every ResNet stage needs at least one block");
    auto layer = add_child_module(visual, "layer" + std::to_string(stage + 1));
    for (std::int64_t i = 0; i < blocks; ++i) {
      const std::int64_t stride = (i == 0 && stage > 0) ? 2 : 1;
      w.blocks.push_back(register_bottleneck(*layer, i, in, planes, stride));
      in = planes * kExpansion;
    }
  }
  const std::int64_t grid = config.image_resolution / 32;
  w.attnpool = register_attention_pool(visual, "attnpool", grid, in, config.embed_dim);
  return w;
}

void init_resnet(ResNetWeights& w) {
  torch::NoGradGuard no_grad;
  for (auto* conv : {&w.conv1, &w.conv2, &w.conv3}) init_conv(*conv);
  for (auto* bn : {&w.bn1, &w.bn2, &w.bn3}) init_batch_norm(*bn, 1.0);
  for (auto& b : w.blocks) {
    for (auto* conv : {&b.conv1, &b.conv2, &b.conv3}) init_conv(*conv);
    init_batch_norm(b.bn1, 1.0);
    init_batch_norm(b.bn2, 1.0);
    init_batch_norm(b.bn3, 0.0);
    if (b.downsample_conv.defined()) {
      init_conv(b.downsample_conv);
      init_batch_norm(b.downsample_bn, 1.0);
    }
  }
  init_attention_pool(w.attnpool);
}

torch::Tensor batch_norm_fp32(const torch::Tensor& x, const BatchNormWeights& bn) {
  const auto run = [&](const torch::Tensor& in) {
    return torch::batch_norm(in, bn.weight, bn.bias, bn.running_mean, bn.running_var, /*training=*/false,
                             /*momentum=*/0.0, kBatchNormEps, /*cudnn_enabled=*/true);
  };
  if (x.scalar_type() == torch::kFloat) return run(x);
  return run(x.to(torch::kFloat)).to(x.scalar_type());
}

torch::Tensor run_resnet(const torch::Tensor& images, const ResNetWeights& w, std::int64_t heads) {
  torch::Tensor x = torch::relu(conv_bn(images, w.conv1, w.bn1, 2, 1));
  x = torch::relu(conv_bn(x, w.conv2, w.bn2, 1, 1));
  x = torch::relu(conv_bn(x, w.conv3, w.bn3, 1, 1));
  x = torch::avg_pool2d(x, 2);
  for (const auto& block : w.blocks) x = run_bottleneck(x, block);
  return run_attention_pool(x, w.attnpool, heads);
}

}  // namespace promptlab

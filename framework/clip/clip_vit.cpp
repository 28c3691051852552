// ViT CLIP's image tower on raw tensors: batch-first tokens, class token first.
#include "clip/clip_vit.hpp"

#include <cmath>

namespace promptlab {

VitWeights register_vit(torch::nn::Module& visual, const ClipConfig& c) {
  VitWeights w;
  torch::NoGradGuard no_grad;
  const std::int64_t grid = c.image_resolution / c.vision_patch;
  const double vscale = std::pow(static_cast<double>(c.vision_width), -0.5);
  w.class_embedding =
      visual.register_parameter("class_embedding", torch::empty({c.vision_width}).normal_(0, vscale));
  w.positional_embedding = visual.register_parameter(
      "positional_embedding", torch::empty({grid * grid + 1, c.vision_width}).normal_(0, vscale));
  w.proj = visual.register_parameter("proj", torch::empty({c.vision_width, c.embed_dim}).normal_(0, vscale));
  auto conv1 = add_child_module(visual, "conv1");
  const double conv_std = std::pow(3.0 * c.vision_patch * c.vision_patch, -0.5);
  w.conv1 = conv1->register_parameter(
      "weight", torch::empty({c.vision_width, 3, c.vision_patch, c.vision_patch}).normal_(0, conv_std));
  w.ln_pre = register_layer_norm(visual, "ln_pre", c.vision_width);
  w.blocks = register_transformer(visual, "transformer", c.vision_width, c.vision_layers);
  init_transformer(w.blocks, c.vision_width);
  w.ln_post = register_layer_norm(visual, "ln_post", c.vision_width);
  return w;
}

torch::Tensor run_vit(const torch::Tensor& images, const VitWeights& w, const ClipConfig& c,
                      const std::vector<torch::Tensor>& deep_prompts) {
  const std::int64_t batch = images.size(0);
  const std::int64_t width = c.vision_width;
  const std::int64_t patches_and_cls = w.positional_embedding.size(0);
  torch::Tensor x = torch::conv2d(images, w.conv1, {}, c.vision_patch);  // [B, w, g, g]
  x = x.flatten(2).transpose(1, 2);                                       // [B, g*g, w]
  const auto dtype = x.scalar_type();
  torch::Tensor cls = w.class_embedding.to(dtype).view({1, 1, width}).expand({batch, 1, width});
  x = torch::cat({cls, x}, 1);
  x = x.requires_grad() ? x + w.positional_embedding.to(dtype) : x.add_(w.positional_embedding.to(dtype));
  const std::int64_t n_prompts = deep_prompts.empty() ? 0 : deep_prompts[0].size(0);
  const auto prompts_at = [&](std::size_t layer) {
    return deep_prompts[layer].to(dtype).unsqueeze(0).expand({batch, n_prompts, width});
  };
  if (n_prompts > 0) x = torch::cat({x, prompts_at(0)}, 1);
  const std::int64_t tokens = patches_and_cls + n_prompts;
  x = layer_norm_fp32(x.reshape({batch * tokens, width}), w.ln_pre);
  for (std::size_t i = 0; i < w.blocks.size(); ++i) {
    if (i >= 1 && i < deep_prompts.size() && deep_prompts[i].defined()) {
      x = torch::cat({x.view({batch, tokens, width}).narrow(1, 0, patches_and_cls), prompts_at(i)}, 1)
              .reshape({batch * tokens, width});
    }
    x = run_transformer(x, batch, tokens, c.vision_heads(), {w.blocks[i]}, torch::Tensor());
  }
  torch::Tensor cls_out = layer_norm_fp32(x.view({batch, tokens, width}).select(1, 0), w.ln_post);
  return torch::mm(cls_out, w.proj);
}

}  // namespace promptlab

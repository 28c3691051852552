// CLIP: image (ViT or ResNet) and text towers over weights registered under OpenAI's key names.
#include "promptlab/clip_model.hpp"

#include <cmath>
#include <limits>
#include <mutex>
#include <utility>
#include <stdexcept>

#include "clip/clip_resnet.hpp"
#include "clip/clip_transformer.hpp"
#include "clip/clip_vit.hpp"
#include "clip/text_recompute.hpp"

namespace promptlab {
namespace {

torch::ScalarType dtype_of(Precision precision) {
  switch (precision) {
    case Precision::kFp16: return torch::kHalf;
    case Precision::kBf16: return torch::kBFloat16;
    case Precision::kFp32: break;
  }
  return torch::kFloat;
}

// LayerNorm and BatchNorm parameters and logit_scale stay fp32 at every precision
// (BatchNorm's running statistics are buffers, which set_precision leaves alone).
bool keeps_fp32(const std::string& key) {
  if (key == "logit_scale") return true;
  const auto last = key.rfind('.');
  if (last == std::string::npos) return false;
  const auto prev = key.rfind('.', last - 1);
  const std::string owner = key.substr(prev == std::string::npos ? 0 : prev + 1,
                                       last - (prev == std::string::npos ? 0 : prev + 1));
  const bool skip_path_norm = key.find(".downsample.2.") != std::string::npos;  // ResNet
  return owner.rfind("ln_", 0) == 0 || owner.rfind("bn", 0) == 0 || skip_path_norm;
}

// LibTorch 1.13 has no Half matmul on CPU; probe once so a newer build can lift this.
bool cpu_half_matmul_supported() {
  static const bool supported = [] {
    try {
      torch::NoGradGuard no_grad;
      auto a = torch::ones({2, 2}, torch::kHalf);
      (void)torch::addmm(a, a, a);
      (void)at::_softmax(a, -1, false);
      return true;
    } catch (const std::exception&) {
      return false;
    }
  }();
  return supported;
}

void check_dims(const torch::Tensor& t, std::int64_t dims, const char* what) {
  if (!t.defined() || t.dim() != dims) {
    throw std::invalid_argument(std::string("ClipModel: ") + what + " must be a " +
                                std::to_string(dims) + "-d tensor, got " +
                                (t.defined() ? c10::str(t.sizes()) : std::string("undefined")));
  }
}

}  // namespace

Precision parse_precision(const std::string& text) {
  if (text == "fp32" || text == "float32" || text == "float") return Precision::kFp32;
  if (text == "fp16" || text == "float16" || text == "half") return Precision::kFp16;
  if (text == "bf16" || text == "bfloat16") return Precision::kBf16;
  throw std::invalid_argument("unknown precision '" + text + "' (expected fp32, fp16 or bf16)");
}

std::string to_string(Precision precision) {
  switch (precision) {
    case Precision::kFp16: return "fp16";
    case Precision::kBf16: return "bf16";
    case Precision::kFp32: break;
  }
  return "fp32";
}

struct ClipModelImpl::Parts {
  // Text tower.
  torch::Tensor token_embedding, positional_embedding, text_projection, logit_scale;
  LayerNormWeights ln_final;
  std::vector<BlockWeights> text_blocks;
  // Image tower: one of the two, by config().vision_kind.
  VitWeights vit;
  ResNetWeights resnet;
  // The range of the last EOT positions seen on a device, read on the host once. A prompt learner
  // passes the same tensor at every step, so its step never waits for the device to learn the
  // text length. Held, the tensor cannot be freed and its address reused; an in-place change
  // moves its version counter.
  struct EotRange {
    std::mutex mutex;
    torch::Tensor positions;
    std::int64_t version = -1;
    std::int64_t min = 0, max = 0;
  } eot_range;

  // (min, max) of EOT positions, without waiting for the device when eot_range holds them already.
  std::pair<std::int64_t, std::int64_t> eot_min_max(const torch::Tensor& eot) {
    if (eot.device().is_cpu()) return {eot.min().item<std::int64_t>(), eot.max().item<std::int64_t>()};
    std::lock_guard<std::mutex> lock(eot_range.mutex);
    const auto version = static_cast<std::int64_t>(eot._version());
    if (!eot_range.positions.defined() || eot_range.positions.unsafeGetTensorImpl() != eot.unsafeGetTensorImpl() ||
        eot_range.version != version) {
      const torch::Tensor range = torch::stack({eot.min(), eot.max()}).to(torch::kCPU);
      eot_range.positions = eot;
      eot_range.version = version;
      eot_range.min = range[0].item<std::int64_t>();
      eot_range.max = range[1].item<std::int64_t>();
    }
    return {eot_range.min, eot_range.max};
  }
};

ClipModelImpl::ClipModelImpl(const ClipConfig& config) : config_(config), parts_(std::make_shared<Parts>()) {
  ClipConfig& c = config_;
  const bool resnet = c.vision_kind == VisionKind::kResNet;
  if (resnet) {
    c.vision_patch = 32;  // the trunk always downsamples by 32
    c.vision_layers = 0;
    for (const std::int64_t n : c.resnet_layers) c.vision_layers += n;
  }
  if (c.vision_patch <= 0 || c.image_resolution % c.vision_patch != 0) {
    throw std::invalid_argument("ClipConfig: image_resolution " + std::to_string(c.image_resolution) +
                                " is not a multiple of vision_patch " + std::to_string(c.vision_patch));
  }
  if ((!resnet && c.vision_width % c.vision_heads() != 0) || c.text_width % c.text_heads() != 0) {
    throw std::invalid_argument("ClipConfig: widths must be multiples of 64 (or below 64)");
  }
  Parts& p = *parts_;
  torch::NoGradGuard no_grad;

  // Registration order follows OpenAI's state dict.
  p.positional_embedding = register_parameter("positional_embedding",
                                              torch::empty({c.context_length, c.text_width}).normal_(0, 0.01));
  p.text_projection = register_parameter(
      "text_projection", torch::empty({c.text_width, c.embed_dim}).normal_(0, std::pow(c.text_width, -0.5)));
  p.logit_scale = register_parameter("logit_scale", torch::full({}, std::log(1.0 / 0.07)));

  auto visual = add_child_module(*this, "visual");
  if (resnet) {
    p.resnet = register_resnet(*visual, c);
    init_resnet(p.resnet);
  } else {
    p.vit = register_vit(*visual, c);
  }

  p.text_blocks = register_transformer(*this, "transformer", c.text_width, c.text_layers);
  init_transformer(p.text_blocks, c.text_width);
  auto token_embedding = add_child_module(*this, "token_embedding");
  p.token_embedding = token_embedding->register_parameter(
      "weight", torch::empty({c.vocab_size, c.text_width}).normal_(0, 0.02));
  p.ln_final = register_layer_norm(*this, "ln_final", c.text_width);
}

void ClipModelImpl::set_precision(Precision precision) {
  torch::NoGradGuard no_grad;
  const torch::ScalarType dtype = dtype_of(precision);
  for (auto& item : named_parameters(/*recurse=*/true)) {
    const torch::ScalarType target = keeps_fp32(item.key()) ? torch::kFloat : dtype;
    torch::Tensor& param = item.value();
    if (param.scalar_type() != target) param.set_data(param.to(target));
  }
  precision_ = precision;
}

namespace {

// Throws when the weights' dtype cannot run on their device (fp16 on CPU in LibTorch 1.13).
void check_runnable(const torch::Tensor& weight) {
  if (weight.scalar_type() == torch::kHalf && weight.device().is_cpu() && !cpu_half_matmul_supported()) {
    throw std::runtime_error(
        "ClipModel: fp16 is not supported on CPU by this LibTorch (no Half matmul/softmax on CPU); "
        "use bf16 or fp32 on CPU, or move the model to a CUDA device");
  }
}

// Images must be [B, 3, R, R] at the model's resolution.
void check_image_shape(const torch::Tensor& images, const ClipConfig& c) {
  check_dims(images, 4, "images");
  if (images.size(1) != 3 || images.size(2) != c.image_resolution || images.size(3) != c.image_resolution) {
    throw std::invalid_argument("ClipModel: images must be [B, 3, " + std::to_string(c.image_resolution) + ", " +
                                std::to_string(c.image_resolution) + "], got " + c10::str(images.sizes()));
  }
}

// Visual prompts: a ViT, at most one entry per vision layer, layer 0's [n, width], the others like it.
void check_visual_prompts(const std::vector<torch::Tensor>& deep_prompts, const ClipConfig& c) {
  if (c.vision_kind != VisionKind::kViT) {
    throw std::invalid_argument("ClipModel: visual prompts need a vision transformer; this model's image tower is a ResNet");
  }
  if (deep_prompts.size() > static_cast<std::size_t>(c.vision_layers)) {
    throw std::invalid_argument("ClipModel: " + std::to_string(deep_prompts.size()) + " layers of visual prompts for " +
                                std::to_string(c.vision_layers) + " vision layers");
  }
  if (!deep_prompts[0].defined() || deep_prompts[0].dim() != 2 || deep_prompts[0].size(1) != c.vision_width) {
    throw std::invalid_argument("ClipModel: the first layer's visual prompts must be [n, " +
                                std::to_string(c.vision_width) + "]");
  }
  for (std::size_t i = 1; i < deep_prompts.size(); ++i) {
    if (deep_prompts[i].defined() && deep_prompts[i].sizes() != deep_prompts[0].sizes()) {
      throw std::invalid_argument("ClipModel: visual prompts of layer " + std::to_string(i) + " are " +
                                  c10::str(deep_prompts[i].sizes()) + ", layer 0's " + c10::str(deep_prompts[0].sizes()));
    }
  }
}

// The number of tokens the deep language prompts replace (0 for none); throws naming a bad shape.
std::int64_t text_prompt_tokens(const std::vector<torch::Tensor>& deep_prompts, const ClipConfig& c, std::int64_t n,
                                std::int64_t first_eot) {
  if (deep_prompts.empty()) return 0;
  if (deep_prompts.size() > static_cast<std::size_t>(c.text_layers)) {
    throw std::invalid_argument("ClipModel: " + std::to_string(deep_prompts.size()) + " layers of text prompts for " +
                                std::to_string(c.text_layers) + " text layers");
  }
  if (deep_prompts[0].defined()) {
    throw std::invalid_argument("ClipModel: text prompts of layer 0 must be undefined (the first layer's prompts are "
                                "the embeddings passed in)");
  }
  std::int64_t tokens = 0;
  for (std::size_t i = 1; i < deep_prompts.size(); ++i) {
    const torch::Tensor& t = deep_prompts[i];
    if (!t.defined()) continue;
    const bool shared = t.dim() == 2, per_sequence = t.dim() == 3 && t.size(0) == n;
    if ((!shared && !per_sequence) || t.size(-1) != c.text_width || t.size(-2) < 1) {
      throw std::invalid_argument("ClipModel: text prompts of layer " + std::to_string(i) + " must be [n, " +
                                  std::to_string(c.text_width) + "] or [" + std::to_string(n) + ", n, " +
                                  std::to_string(c.text_width) + "], got " + c10::str(t.sizes()));
    }
    if (tokens != 0 && t.size(-2) != tokens) {
      throw std::invalid_argument("ClipModel: text prompts of layer " + std::to_string(i) + " hold " +
                                  std::to_string(t.size(-2)) + " tokens, an earlier layer's " + std::to_string(tokens));
    }
    tokens = t.size(-2);
  }
  if (tokens >= first_eot) {
    throw std::invalid_argument("ClipModel: " + std::to_string(tokens) + " text prompt tokens after SOS reach a sequence's EOT at position " +
                                std::to_string(first_eot));
  }
  return tokens;
}

}  // namespace

torch::Tensor ClipModelImpl::encode_image(const torch::Tensor& images) { return encode_image_prompted(images, {}); }

torch::Tensor ClipModelImpl::encode_image_prompted(const torch::Tensor& images,
                                                   const std::vector<torch::Tensor>& deep_prompts) {
  const Parts& p = *parts_;
  const ClipConfig& c = config_;
  if (!deep_prompts.empty()) check_visual_prompts(deep_prompts, c);
  check_image_shape(images, c);
  const torch::Tensor& first_weight = c.vision_kind == VisionKind::kResNet ? p.resnet.conv1 : p.vit.conv1;
  check_runnable(first_weight);
  const torch::Tensor x = images.to(first_weight.device(), first_weight.scalar_type());
  return c.vision_kind == VisionKind::kResNet ? run_resnet(x, p.resnet, c.vision_heads()) : run_vit(x, p.vit, c, deep_prompts);
}

torch::Tensor ClipModelImpl::embed_tokens(const torch::Tensor& token_ids) {
  const Parts& p = *parts_;
  return torch::embedding(p.token_embedding, token_ids.to(p.token_embedding.device(), torch::kLong));
}

torch::Tensor ClipModelImpl::encode_text(const torch::Tensor& token_ids) {
  check_dims(token_ids, 2, "token_ids");
  torch::Tensor ids = token_ids.to(parts_->token_embedding.device(), torch::kLong);
  torch::Tensor eot = ids.argmax(-1);
  if (truncate_text_ && ids.size(0) > 0) ids = ids.narrow(1, 0, eot.max().item<std::int64_t>() + 1);
  return encode_text_embeddings(embed_tokens(ids), eot);
}

torch::Tensor ClipModelImpl::encode_text_embeddings(const torch::Tensor& embeddings,
                                                    const torch::Tensor& eot_positions) {
  return encode_text_embeddings_prompted(embeddings, eot_positions, {});
}

torch::Tensor ClipModelImpl::encode_text_embeddings_prompted(const torch::Tensor& embeddings,
                                                             const torch::Tensor& eot_positions,
                                                             const std::vector<torch::Tensor>& deep_prompts) {
  const Parts& p = *parts_;
  const ClipConfig& c = config_;
  check_dims(embeddings, 3, "embeddings");
  check_dims(eot_positions, 1, "eot_positions");
  const std::int64_t n = embeddings.size(0);
  std::int64_t len = embeddings.size(1);
  if (embeddings.size(2) != c.text_width || len > c.context_length || len == 0) {
    throw std::invalid_argument("ClipModel: embeddings must be [N, L<=" + std::to_string(c.context_length) +
                                ", " + std::to_string(c.text_width) + "], got " + c10::str(embeddings.sizes()));
  }
  if (eot_positions.size(0) != n) {
    throw std::invalid_argument("ClipModel: " + std::to_string(eot_positions.size(0)) +
                                " EOT positions for " + std::to_string(n) + " sequences");
  }
  check_runnable(p.text_projection);
  const auto device = p.text_projection.device();
  const auto dtype = p.text_projection.scalar_type();
  if (n == 0) return torch::empty({0, c.embed_dim}, torch::TensorOptions().dtype(dtype).device(device));
  const torch::Tensor eot = eot_positions.to(device, torch::kLong);
  const auto [first, last] = parts_->eot_min_max(eot_positions.scalar_type() == torch::kLong ? eot_positions : eot);
  if (last >= len || first < 0) {
    throw std::invalid_argument("ClipModel: EOT position " + std::to_string(last) +
                                " outside the sequence length " + std::to_string(len));
  }
  if (truncate_text_) len = last + 1;
  const std::int64_t n_prompts = text_prompt_tokens(deep_prompts, c, n, first);

  std::shared_ptr<const Parts> parts = parts_;
  const TextPass pass = [parts, c, len, n_prompts](const torch::Tensor& x, const torch::Tensor& positions,
                                                   const std::vector<torch::Tensor>& prompts) {
    return text_pass(*parts, c, len, n_prompts, x, positions, prompts);
  };
  bool wants_gradient = embeddings.requires_grad();
  for (const auto& t : deep_prompts) wants_gradient |= t.defined() && t.requires_grad();
  if (text_grad_chunk_ > 0 && n > text_grad_chunk_ && wants_gradient && torch::GradMode::is_enabled()) {
    return recomputed_text_pass(pass, embeddings, eot, deep_prompts, text_grad_chunk_);
  }
  return pass(embeddings, eot, deep_prompts);
}

torch::Tensor ClipModelImpl::encode_text_shared_prefix(const torch::Tensor& prefix, const torch::Tensor& suffix,
                                                       const torch::Tensor& eot_positions) {
  const Parts& p = *parts_;
  const ClipConfig& c = config_;
  check_dims(prefix, 3, "prefix");
  check_dims(suffix, 3, "suffix");
  check_dims(eot_positions, 1, "eot_positions");
  const std::int64_t groups = prefix.size(0), prefix_len = prefix.size(1);
  const std::int64_t n = suffix.size(0);
  if (prefix.size(2) != c.text_width || suffix.size(2) != c.text_width || groups == 0 || n % groups != 0 ||
      prefix_len + suffix.size(1) > c.context_length) {
    throw std::invalid_argument("ClipModel: a shared prefix [G, P, " + std::to_string(c.text_width) +
                                "] and suffixes [N, L - P, " + std::to_string(c.text_width) +
                                "] with N a multiple of G and L <= " + std::to_string(c.context_length) +
                                " are needed, got " + c10::str(prefix.sizes()) + " and " + c10::str(suffix.sizes()));
  }
  const std::int64_t per_group = n / groups;
  const auto whole = [&] {
    const torch::Tensor repeated = prefix.unsqueeze(1).expand({groups, per_group, prefix_len, c.text_width});
    return torch::cat({repeated.reshape({n, prefix_len, c.text_width}).to(suffix.scalar_type()), suffix}, 1);
  };
  check_runnable(p.text_projection);
  const auto device = p.text_projection.device();
  const bool wants_gradient = prefix.requires_grad() || suffix.requires_grad();
  const bool recomputed = text_grad_chunk_ > 0 && n > text_grad_chunk_ && wants_gradient && torch::GradMode::is_enabled();
  if (!share_text_prefix_ || prefix_len == 0 || n == 0 || recomputed) return encode_text_embeddings(whole(), eot_positions);

  if (eot_positions.size(0) != n) {
    throw std::invalid_argument("ClipModel: " + std::to_string(eot_positions.size(0)) + " EOT positions for " +
                                std::to_string(n) + " sequences");
  }
  const torch::Tensor eot = eot_positions.to(device, torch::kLong);
  const auto [first, last] = parts_->eot_min_max(eot_positions.scalar_type() == torch::kLong ? eot_positions : eot);
  if (first < prefix_len || last >= prefix_len + suffix.size(1)) {
    throw std::invalid_argument("ClipModel: EOT positions " + std::to_string(first) + ".." + std::to_string(last) +
                                " must fall in the suffix, positions " + std::to_string(prefix_len) + ".." +
                                std::to_string(prefix_len + suffix.size(1) - 1));
  }
  const auto dtype = p.text_projection.scalar_type();
  SharedPrefixLayout layout;
  layout.groups = groups;
  layout.prefix_len = prefix_len;
  layout.sequences = n;
  layout.suffix_len = (truncate_text_ ? last + 1 : prefix_len + suffix.size(1)) - prefix_len;
  const auto options = torch::TensorOptions().dtype(dtype).device(device);
  layout.prefix_mask = causal_mask(prefix_len, prefix_len, options);
  layout.suffix_mask = causal_mask(layout.suffix_len, prefix_len + layout.suffix_len, options);
  const torch::Tensor positions = p.positional_embedding.to(dtype);
  const torch::Tensor head = (prefix.to(device, dtype) + positions.narrow(0, 0, prefix_len)).reshape({-1, c.text_width});
  const torch::Tensor tail = (suffix.to(device, dtype).narrow(1, 0, layout.suffix_len) +
                              positions.narrow(0, prefix_len, layout.suffix_len))
                                 .reshape({-1, c.text_width});
  const torch::Tensor x = run_transformer_shared_prefix(torch::cat({head, tail}, 0), layout, c.text_heads(), p.text_blocks);
  const torch::Tensor rows = torch::arange(n, eot.options()).mul_(layout.suffix_len).add_(eot - prefix_len + groups * prefix_len);
  return torch::mm(layer_norm_fp32(x.index_select(0, rows), p.ln_final), p.text_projection);
}

torch::Tensor ClipModelImpl::text_pass(const Parts& p, const ClipConfig& c, std::int64_t len, std::int64_t n_prompts,
                                       const torch::Tensor& embeddings, const torch::Tensor& eot,
                                       const std::vector<torch::Tensor>& deep_prompts) {
  const std::int64_t n = embeddings.size(0);
  const auto device = p.text_projection.device();
  const auto dtype = p.text_projection.scalar_type();
  torch::Tensor x = embeddings.to(device, dtype);
  if (len < x.size(1)) x = x.narrow(1, 0, len);
  x = (x + p.positional_embedding.narrow(0, 0, len).to(dtype)).reshape({n * len, c.text_width});

  // Additive causal mask: -inf strictly above the diagonal (tiny; built per call, no shared state).
  const torch::Tensor mask = causal_mask(len, len, torch::TensorOptions().dtype(dtype).device(device));
  if (n_prompts == 0) {
    x = run_transformer(x, n, len, c.text_heads(), p.text_blocks, mask);
  } else {
    for (std::size_t i = 0; i < p.text_blocks.size(); ++i) {
      if (i >= 1 && i < deep_prompts.size() && deep_prompts[i].defined()) {
        const torch::Tensor states = x.view({n, len, c.text_width});
        const torch::Tensor prompt = deep_prompts[i].to(device, dtype);
        x = torch::cat({states.narrow(1, 0, 1),
                        prompt.dim() == 2 ? prompt.unsqueeze(0).expand({n, n_prompts, c.text_width}) : prompt,
                        states.narrow(1, 1 + n_prompts, len - 1 - n_prompts)},
                       1)
                .reshape({n * len, c.text_width});
      }
      x = run_transformer(x, n, len, c.text_heads(), {p.text_blocks[i]}, mask);
    }
  }

  torch::Tensor rows = torch::arange(n, eot.options()).mul_(len).add_(eot);
  torch::Tensor features = layer_norm_fp32(x.index_select(0, rows), p.ln_final);
  return torch::mm(features, p.text_projection);
}

void ClipModelImpl::set_text_grad_chunk(std::int64_t sequences) {
  if (sequences < 0) {
    throw std::invalid_argument("ClipModel: the text recomputation chunk must be >= 0 sequences (0: off), got " +
                                std::to_string(sequences));
  }
  text_grad_chunk_ = sequences;
}

torch::Tensor ClipModelImpl::logit_scale_exp() const { return parts_->logit_scale.exp(); }

}  // namespace promptlab

#pragma once
// CLIP (ViT or ResNet image tower), built from a config inferred from a state dict (docs/protocol.md §1).
#include <torch/torch.h>

#include <array>
#include <cstdint>
#include <map>
#include <string>

#include "promptlab/export.hpp"

namespace promptlab {

/// Kind of image tower: a vision transformer (ViT-B/16 ...) or OpenAI's modified ResNet (RN50 ...).
enum class VisionKind { kViT, kResNet };

/// Architecture of a CLIP model. The defaults are ViT-B/16.
struct ClipConfig {
  std::int64_t embed_dim = 512;
  std::int64_t image_resolution = 224;
  /// ViT: transformer blocks. ResNet: Bottleneck blocks of all four stages (set from resnet_layers).
  std::int64_t vision_layers = 12;
  /// ViT: transformer width. ResNet: stem width (64 for RN50); the last stage has 32x as many channels.
  std::int64_t vision_width = 768;
  /// ViT: patch size. ResNet: the trunk's total downsampling, always 32.
  std::int64_t vision_patch = 16;
  std::int64_t context_length = 77;
  std::int64_t vocab_size = 49408;
  std::int64_t text_width = 512;
  std::int64_t text_layers = 12;
  VisionKind vision_kind = VisionKind::kViT;
  /// ResNet only: Bottleneck blocks per stage, layer1..layer4 ({3, 4, 6, 3} for RN50).
  std::array<std::int64_t, 4> resnet_layers{{3, 4, 6, 3}};
  /// Heads = attention width / 64 in the released models (ResNet: the pool's width * 32 / 64).
  std::int64_t vision_heads() const {
    const std::int64_t width = vision_kind == VisionKind::kResNet ? vision_width * 32 : vision_width;
    return width / 64 > 0 ? width / 64 : 1;
  }
  std::int64_t text_heads() const { return text_width / 64 > 0 ? text_width / 64 : 1; }
};

/// The text encoder's default recomputation chunk, in sequences (ClipModelImpl::set_text_grad_chunk):
/// above it, a text encoding that needs gradients is re-run by chunks in its backward. Measured on
/// ViT-B/16's text tower, 1000 prompts, 2 cores: 3.3 GB and 20 s for forward + backward against
/// 7.7 GB and 40 s in one pass (docs/speed.md, "Memory").
inline constexpr std::int64_t kDefaultTextGradChunk = 256;

/// Numeric precision of the frozen model.
enum class Precision { kFp32, kFp16, kBf16 };
PROMPTLAB_API Precision parse_precision(const std::string& text);
PROMPTLAB_API std::string to_string(Precision precision);

/// The CLIP model. Parameters (and a ResNet's BatchNorm statistics, as buffers) are registered
/// under OpenAI's state-dict key names. A ResNet's BatchNorm always uses its running statistics
/// (eval mode, also under train()): the image tower is for a frozen CLIP.
class PROMPTLAB_API ClipModelImpl : public torch::nn::Module {
 public:
  explicit ClipModelImpl(const ClipConfig& config);

  /// Projected image features [B, embed] (not normalised) of preprocessed images [B,3,R,R].
  torch::Tensor encode_image(const torch::Tensor& images);
  /// encode_image with learnable tokens in the vision transformer (visual prompt tuning, ViT only):
  /// deep_prompts[0], [n, vision_width], is appended to the class and patch tokens before ln_pre;
  /// before block i >= 1, a defined deep_prompts[i] ([n, vision_width]) replaces them (VPT-deep).
  /// At most one entry per block; blocks past the last entry carry the prompt tokens' outputs.
  /// Gradients flow to the prompts. A ResNet tower or bad shapes throw naming them.
  torch::Tensor encode_image_prompted(const torch::Tensor& images, const std::vector<torch::Tensor>& deep_prompts);
  /// Projected text features [N, embed] of token ids [N, L] (EOT = argmax id).
  torch::Tensor encode_text(const torch::Tensor& token_ids);
  /// Projected text features from token *embeddings* [N, L, text_width] (without the
  /// positional embedding) and the EOT positions [N] (int64). Used by prompt learners.
  torch::Tensor encode_text_embeddings(const torch::Tensor& embeddings,
                                       const torch::Tensor& eot_positions);
  /// encode_text_embeddings with learnable tokens in the text transformer (deep language prompts:
  /// IVLP, MaPLe, PromptSRC): before block i >= 1, a defined deep_prompts[i], [n, text_width] (the
  /// same for every sequence) or [N, n, text_width], replaces the states of the n tokens after SOS
  /// (positions 1..n), which must all come before every sequence's EOT. deep_prompts[0] must be
  /// undefined: the first layer's prompts are the learner's own embeddings. At most one entry per
  /// block; empty: encode_text_embeddings. Gradients flow to the prompts; bad shapes throw.
  torch::Tensor encode_text_embeddings_prompted(const torch::Tensor& embeddings, const torch::Tensor& eot_positions,
                                                const std::vector<torch::Tensor>& deep_prompts);
  /// encode_text_embeddings of N sequences whose first P token embeddings are shared by each of G
  /// groups of N / G consecutive sequences: prefix [G, P, text_width] (one per group) and suffix
  /// [N, L - P, text_width] (the rest of each sequence), EOT positions [N] counted from the start
  /// and within the suffix. Under the causal mask a prefix row sees only the prefix, so each
  /// group's prefix is computed once; equal to encoding the whole sequences up to float rounding
  /// (which it does when sharing is off or the recomputation applies).
  torch::Tensor encode_text_shared_prefix(const torch::Tensor& prefix, const torch::Tensor& suffix,
                                          const torch::Tensor& eot_positions);
  /// token_embedding(ids): [.., L] -> [.., L, text_width].
  torch::Tensor embed_tokens(const torch::Tensor& token_ids);
  /// exp(logit_scale), a 0-dim tensor.
  torch::Tensor logit_scale_exp() const;

  const ClipConfig& config() const { return config_; }
  /// Text encoder stops after the longest EOT in the batch (identical results). On by default.
  void set_truncate_text(bool on) { truncate_text_ = on; }
  bool truncate_text() const { return truncate_text_; }
  /// encode_text_shared_prefix computes shared prefixes once (on by default; off: it encodes the
  /// whole sequences).
  void set_share_text_prefix(bool on) { share_text_prefix_ = on; }
  bool share_text_prefix() const { return share_text_prefix_; }
  /// Recomputation (0: off; kDefaultTextGradChunk by default). N > 0: a text encoding that needs
  /// gradients and holds more than N sequences keeps no activations; its backward re-runs it N
  /// sequences at a time.
  /// Peak memory: N sequences' activations instead of all; cost: one more forward pass. Results
  /// equal the one-pass ones to float rounding. A second derivative through it saves no memory.
  void set_text_grad_chunk(std::int64_t sequences);
  std::int64_t text_grad_chunk() const { return text_grad_chunk_; }
  /// Casts weights to the precision (fp16/bf16 keep LayerNorm and BatchNorm in fp32 and compute them in fp32).
  void set_precision(Precision precision);
  Precision precision() const { return precision_; }

 private:
  struct Parts;
  // The text transformer over already checked inputs: len tokens per sequence, n_prompts deep
  // prompt tokens after SOS (0: none), eot on the weights' device.
  static torch::Tensor text_pass(const Parts& p, const ClipConfig& c, std::int64_t len, std::int64_t n_prompts,
                                 const torch::Tensor& embeddings, const torch::Tensor& eot,
                                 const std::vector<torch::Tensor>& deep_prompts);
  ClipConfig config_;
  bool truncate_text_ = true;
  bool share_text_prefix_ = true;
  std::int64_t text_grad_chunk_ = kDefaultTextGradChunk;
  Precision precision_ = Precision::kFp32;
  std::shared_ptr<Parts> parts_;
};
TORCH_MODULE(ClipModel);

/// Infers the architecture from a state dict; throws naming the missing key.
PROMPTLAB_API ClipConfig infer_clip_config(const std::map<std::string, torch::Tensor>& state);

/// Loads a CLIP model: an OpenAI TorchScript archive (ViT-B-16.pt, RN50.pt ...) or a promptlab
/// checkpoint. Errors name the file and the missing or mismatched key and shape.
PROMPTLAB_API ClipModel load_clip(const std::string& path, const torch::Device& device = torch::kCPU);

/// Reads every tensor of a checkpoint (either format) by OpenAI key name (parameters and buffers).
PROMPTLAB_API std::map<std::string, torch::Tensor> read_clip_state(const std::string& path);

/// Writes promptlab's own checkpoint format (fp32 tensors by key, parameters and buffers, + the config).
PROMPTLAB_API void save_clip(const ClipModel& model, const std::string& path);

/// Copies a state dict into the model; errors name the key and both shapes.
PROMPTLAB_API void load_state_into(ClipModel& model, const std::map<std::string, torch::Tensor>& state,
                                   const std::string& source);

/// A stable checksum of the model's weights (hex), recorded with runs and used by the feature cache.
PROMPTLAB_API std::string clip_checksum(const std::string& path);

}  // namespace promptlab

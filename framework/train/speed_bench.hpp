#pragma once
// `promptlab bench-speed`: one method's training step on random weights and random images, timed
// by part (the learner's step given image features, and the frozen image encoder), with the
// machine's measured matrix-product rate for scale. Figures are medians over the timed steps.
#include <cstdint>
#include <string>
#include <vector>

#include "promptlab/clip_model.hpp"

namespace promptlab {

class PluginHost;
class Tokenizer;

struct SpeedOptions {
  std::string method = "coop";
  std::string preset = "vitb16";  // "vitb16" (ViT-B/16's dimensions) or "tiny" (the embedded model's)
  std::int64_t n_cls = 100;
  std::int64_t batch = 32;
  int steps = 5;    // timed steps
  int warmup = 1;   // untimed steps first
  Precision precision = Precision::kFp32;  // of the frozen encoders
  std::uint64_t seed = 1;
  torch::Device device = torch::kCPU;  // where the model, the images and the learner live
  std::int64_t text_chunk = kDefaultTextGradChunk;  // the text encoder's recomputation (ClipModel::set_text_grad_chunk)
  bool shared_prefix = true;                         // ClipModel::set_share_text_prefix
};

struct SpeedReport {
  std::string method, learner, step_rule, preset, precision;
  std::int64_t n_cls = 0, batch = 0, text_chunk = 0;
  bool shared_prefix = true;
  std::string device;
  int steps = 0, threads = 0;
  double text_step_seconds = 0;  // learner forward + backward + step rule + SGD, given image features
  double image_seconds = 0;      // the image encoder on the batch
  double step_seconds = 0;       // both: a step with a cold feature cache
  double image_gflops = 0;       // the image encoder's multiply-adds x 2, per batch
  double image_gflops_per_second = 0;
  // The text encoder alone: forward and backward to its input embeddings (the weights are frozen)
  // on one prompt per class of CoOp's length, its floating-point operations and their rate.
  double text_encoder_seconds = 0;
  double text_gflops = 0;
  double text_gflops_per_second = 0;
  double peak_gflops_per_second = 0;  // square fp32 matrix products on the device, same process and threads
  double peak_rss_mb = 0;
  // The frozen encoders' features at this precision against the same random model in fp32, on the
  // timed images and on one prompt per class (at most 64): the lowest cosine over the batch or the
  // prompts (1 in fp32, where the two are the same computation).
  double image_cosine_to_fp32 = 1;
  double text_cosine_to_fp32 = 1;
};

/// The ClipConfig of a preset; throws naming the preset and the valid ones.
ClipConfig speed_preset(const std::string& name);

/// Floating-point operations of one ViT image-encoder forward pass on `batch` images.
double vit_image_flops(const ClipConfig& config, std::int64_t batch);

/// Floating-point operations of the text encoder's forward pass and its backward to the input
/// embeddings (not to the frozen weights) on `sequences` prompts of `tokens` tokens.
double text_encoder_flops(const ClipConfig& config, std::int64_t sequences, std::int64_t tokens);

/// `n` class names of 2, 3, 4, 2, ... tokens (2 + i % 3, as the reference script draws them), each
/// a run of single-token words of `tokenizer`, so both sides time prompts of the same length.
/// Throws when the vocabulary has fewer than 4 single-token words.
std::vector<std::string> speed_class_names(const Tokenizer& tokenizer, std::int64_t n);

/// Measures `options.method` (its learner and step rule, with the method's default config).
SpeedReport measure_speed(const PluginHost& host, const SpeedOptions& options);

/// The matrix-product rate of [n, n] x [n, n] fp32 products, in GFLOP/s: the median over `repeats`
/// products at each n of 1024 and 2048, the higher of the two.
double measured_peak_gflops(int repeats = 5, const torch::Device& device = torch::kCPU);

}  // namespace promptlab

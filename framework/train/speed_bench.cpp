#include "train/speed_bench.hpp"

#include <sys/resource.h>

#include <ATen/Parallel.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <vector>

#include "promptlab/learner.hpp"
#include "promptlab/prompt/prompt_tokens.hpp"
#include "promptlab/step_rule.hpp"
#include "promptlab/tokenizer.hpp"
#include "registry/plugin_host.hpp"
#include "train/batch_objective.hpp"
#include "train/experiment.hpp"
#include "train/model_source.hpp"
#include "train/protocol.hpp"
#include "train/sgd.hpp"
#include "util/device.hpp"

namespace promptlab {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

double median(std::vector<double> v) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  const std::size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

double peak_rss_mb() {
  struct rusage usage {};
  ::getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

}  // namespace

ClipConfig speed_preset(const std::string& name) {
  if (name == "vitb16") return ClipConfig{};  // ClipConfig's defaults are ViT-B/16's
  if (name == "tiny") {
    const std::string weights = embedded_weights_path();
    if (weights.empty()) throw std::invalid_argument("--preset tiny: the embedded model (assets/embedded/) is not present");
    return load_clip(weights)->config();
  }
  throw std::invalid_argument("--preset must be vitb16 or tiny, got '" + name + "'");
}

double vit_image_flops(const ClipConfig& c, std::int64_t batch) {
  if (c.vision_kind != VisionKind::kViT) throw std::invalid_argument("vit_image_flops: not a ViT");
  const double grid = static_cast<double>(c.image_resolution / c.vision_patch);
  const double tokens = grid * grid + 1;
  const double w = static_cast<double>(c.vision_width);
  const double patch_in = 3.0 * static_cast<double>(c.vision_patch * c.vision_patch);
  const double per_layer = 12.0 * tokens * w * w      // q, k, v and output projections (4 w^2) and the MLP (8 w^2)
                           + 2.0 * tokens * tokens * w;  // attention scores and their weighted sum
  const double macs = grid * grid * patch_in * w + static_cast<double>(c.vision_layers) * per_layer +
                      w * static_cast<double>(c.embed_dim);
  return 2.0 * macs * static_cast<double>(batch);
}

double text_encoder_flops(const ClipConfig& c, std::int64_t sequences, std::int64_t tokens) {
  const double w = static_cast<double>(c.text_width), len = static_cast<double>(tokens);
  // Multiply-adds per token and layer. Forward: the q, k, v and output projections (4 w^2), the
  // MLP (8 w^2), the attention scores and their weighted sum (2 len w). Backward to the input:
  // the same products with the transposed weights, and four products in attention (len w each).
  const double forward = 12.0 * w * w + 2.0 * len * w;
  const double backward = 12.0 * w * w + 4.0 * len * w;
  const double per_sequence = len * static_cast<double>(c.text_layers) * (forward + backward) +
                              2.0 * w * static_cast<double>(c.embed_dim);  // the projection of the EOT token, both ways
  return 2.0 * per_sequence * static_cast<double>(sequences);
}

std::vector<std::string> speed_class_names(const Tokenizer& tokenizer, std::int64_t n) {
  constexpr std::size_t kLongest = 4;  // tokens in the longest name
  std::vector<std::string> words;
  for (std::size_t id = 0; id < tokenizer.vocab_size() && words.size() < 64; ++id) {
    std::string word = tokenizer.decode({static_cast<std::int64_t>(id)});
    while (!word.empty() && word.back() == ' ') word.pop_back();
    const bool letters = !word.empty() && std::all_of(word.begin(), word.end(), [](char ch) {
      return ch >= 'a' && ch <= 'z';
    });
    if (letters && tokenizer.encode(word).size() == 1) words.push_back(word);
  }
  if (words.size() < kLongest) {
    throw std::invalid_argument("bench-speed: the vocabulary has " + std::to_string(words.size()) +
                                " single-token words; class names need " + std::to_string(kLongest));
  }
  std::vector<std::string> names;
  for (std::int64_t i = 0; i < n; ++i) {
    const std::size_t length = 2 + static_cast<std::size_t>(i % 3);
    std::string name;
    for (std::size_t j = 0; j < length; ++j) {
      name += (j ? " " : "") + words[(static_cast<std::size_t>(i) * kLongest + j) % words.size()];
    }
    names.push_back(std::move(name));
  }
  return names;
}

double measured_peak_gflops(int repeats, const torch::Device& device) {
  torch::NoGradGuard no_grad;
  double best = 0.0;
  for (const std::int64_t n : {1024, 2048}) {
    const auto on = torch::TensorOptions().device(device);
    const torch::Tensor a = torch::randn({n, n}, on), b = torch::randn({n, n}, on);
    torch::Tensor c = torch::mm(a, b);  // warm-up
    synchronize(device);
    std::vector<double> rates;
    for (int r = 0; r < repeats; ++r) {
      const auto t0 = Clock::now();
      c = torch::mm(a, b);
      synchronize(device);
      rates.push_back(2.0 * static_cast<double>(n * n * n) / seconds_since(t0) / 1e9);
    }
    best = std::max(best, median(rates));
  }
  return best;
}

SpeedReport measure_speed(const PluginHost& host, const SpeedOptions& o) {
  if (o.n_cls < 1) throw std::invalid_argument("--n-cls must be >= 1, got " + std::to_string(o.n_cls));
  if (o.batch < 1) throw std::invalid_argument("--batch must be >= 1, got " + std::to_string(o.batch));
  if (o.steps < 1) throw std::invalid_argument("--steps must be >= 1, got " + std::to_string(o.steps));
  if (o.warmup < 0) throw std::invalid_argument("--warmup must be >= 0, got " + std::to_string(o.warmup));
  const MethodSpec& spec = host.method(o.method);  // throws listing the valid methods
  if (!spec.trains) throw std::invalid_argument("bench-speed: method '" + o.method + "' does not train");
  ExperimentRequest request;
  request.method = spec.name;
  const Config config = resolve_config(host, load_protocol("base2new"), request);

  require_usable(o.device, "--device");
  torch::manual_seed(o.seed);
  const ClipConfig clip_config = speed_preset(o.preset);
  ClipModel clip(clip_config);  // random weights, drawn on the CPU whatever the device
  clip->to(o.device);
  clip->eval();
  for (auto& p : clip->parameters()) p.set_requires_grad(false);
  const std::string vocab = embedded_vocab_path();
  if (vocab.empty()) throw std::invalid_argument("bench-speed: the embedded vocabulary (assets/embedded/) is not present");
  const auto tokenizer = std::make_shared<Tokenizer>(Tokenizer::from_file(vocab));
  const torch::Tensor images =
      torch::randn({o.batch, 3, clip_config.image_resolution, clip_config.image_resolution}).to(o.device);
  std::vector<std::int64_t> prompt_ids;
  const std::int64_t n_prompts = std::min<std::int64_t>(o.n_cls, 64);
  for (std::int64_t i = 0; i < n_prompts; ++i) {
    const auto ids = tokenizer->tokenize("a photo of a class " + std::to_string(i) + ".", clip_config.context_length);
    prompt_ids.insert(prompt_ids.end(), ids.begin(), ids.end());
  }
  const torch::Tensor prompts = torch::tensor(prompt_ids, torch::kInt64).view({n_prompts, clip_config.context_length});
  // Features of the same model in fp32 first: set_precision rounds the weights in place.
  const auto encode_both = [&] {
    torch::NoGradGuard no_grad;
    return std::make_pair(clip->encode_image(images).to(torch::kFloat32), clip->encode_text(prompts).to(torch::kFloat32));
  };
  const auto fp32_features = encode_both();
  clip->set_precision(o.precision);
  clip->set_text_grad_chunk(o.text_chunk);
  clip->set_share_text_prefix(o.shared_prefix);

  LearnerContext ctx;
  ctx.clip = clip;
  ctx.tokenizer = tokenizer.get();
  ctx.classnames = speed_class_names(*tokenizer, o.n_cls);
  ctx.prompt_template = "a photo of a {}.";
  ctx.config = config;
  ctx.device = o.device;
  // Encoded on first use, which falls in the warm-up steps.
  ctx.zero_shot = std::make_shared<ZeroShotTeacher>(clip, *tokenizer, ctx.prompt_template, ctx.classnames, ctx.device);
  std::shared_ptr<Learner> learner = host.make_learner(spec.learner, ctx);
  learner->train();
  std::unique_ptr<StepRule> rule = host.make_step_rule(spec.step_rule, config);
  Sgd sgd(learner->trainable_parameters(), sgd_options(config));

  const torch::Tensor labels = torch::randint(o.n_cls, {o.batch}, torch::kInt64).to(o.device);
  std::vector<double> text_times, image_times;
  // A learner that takes images encodes them inside its own step: there is no separate image pass.
  const bool takes_images = learner->input() == LearnerInput::kImages;
  for (int s = 0; s < o.warmup + o.steps; ++s) {
    auto t0 = Clock::now();
    torch::Tensor inputs = images;
    if (!takes_images) {
      torch::NoGradGuard no_grad;
      inputs = clip->encode_image(images).to(torch::kFloat32);
    }
    synchronize(o.device);
    const double image_s = takes_images ? 0.0 : seconds_since(t0);
    t0 = Clock::now();
    BatchObjective objective(*learner, inputs, labels, ctx.zero_shot.get());
    // As the trainer does: the step's metrics read off the device together, then SGD.
    read_metrics(rule->compute_gradient(objective));
    sgd.step();
    synchronize(o.device);
    const double text_s = seconds_since(t0);
    if (s >= o.warmup) {
      image_times.push_back(image_s);
      text_times.push_back(text_s);
    }
  }

  // The text encoder alone, on CoOp-length prompts (SOS, 4 context words, the class name, '.', EOT).
  const PromptTokens coop = tokenize_prompts(clip, *tokenizer, "X X X X", 4, ctx.classnames, o.device);
  const std::int64_t coop_len = coop.eot.max().item<std::int64_t>() + 1;
  const torch::Tensor coop_embeddings = coop.embeddings.narrow(1, 0, coop_len).to(torch::kFloat32);
  std::vector<double> encoder_times;
  for (int s = 0; s < 1 + o.steps; ++s) {
    const torch::Tensor leaf = coop_embeddings.detach().requires_grad_(true);
    const auto t0 = Clock::now();
    const torch::Tensor features = clip->encode_text_embeddings(leaf, coop.eot);
    features.backward(torch::ones_like(features));
    synchronize(o.device);
    if (s >= 1) encoder_times.push_back(seconds_since(t0));
  }

  SpeedReport r;
  r.method = spec.name;
  r.learner = spec.learner;
  r.step_rule = spec.step_rule;
  r.preset = o.preset;
  r.precision = to_string(o.precision);
  r.device = o.device.str();
  r.n_cls = o.n_cls;
  r.batch = o.batch;
  r.text_chunk = o.text_chunk;
  r.shared_prefix = o.shared_prefix;
  r.steps = o.steps;
  r.threads = at::get_num_threads();
  r.text_step_seconds = median(text_times);
  r.image_seconds = median(image_times);
  r.step_seconds = r.text_step_seconds + r.image_seconds;
  if (clip_config.vision_kind == VisionKind::kViT) {
    r.image_gflops = vit_image_flops(clip_config, o.batch) / 1e9;
    r.image_gflops_per_second = r.image_seconds > 0 ? r.image_gflops / r.image_seconds : 0.0;
  }
  r.text_encoder_seconds = median(encoder_times);
  r.text_gflops = text_encoder_flops(clip_config, o.n_cls, coop_len) / 1e9;
  r.text_gflops_per_second = r.text_encoder_seconds > 0 ? r.text_gflops / r.text_encoder_seconds : 0.0;
  const auto low_features = encode_both();
  const auto lowest_cosine = [](const torch::Tensor& a, const torch::Tensor& b) {
    return torch::nn::functional::cosine_similarity(a, b, torch::nn::functional::CosineSimilarityFuncOptions().dim(1))
        .min()
        .item<double>();
  };
  r.image_cosine_to_fp32 = lowest_cosine(low_features.first, fp32_features.first);
  r.text_cosine_to_fp32 = lowest_cosine(low_features.second, fp32_features.second);
  r.peak_gflops_per_second = measured_peak_gflops(5, o.device);
  r.peak_rss_mb = peak_rss_mb();
  return r;
}

}  // namespace promptlab

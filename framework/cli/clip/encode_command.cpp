// `promptlab encode --weights FILE [--vocab FILE] (--text TEXT... | --image FILE...)
//  [--precision fp32|fp16|bf16] [--device cpu|cuda]`: prints one JSON object per input,
// {"input": ..., "features": [...]}, with the projected features before L2 normalisation.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "cli/command.hpp"
#include "util/device.hpp"
#include "data/image_io.hpp"
#include "data/transforms.hpp"
#include "promptlab/clip_model.hpp"
#include "promptlab/tokenizer.hpp"

namespace promptlab::cli {
namespace {

constexpr std::size_t kBatch = 32;

struct EncodeOptions {
  std::string weights;
  std::string vocab;
  std::vector<std::string> texts;
  std::vector<std::string> images;
  std::string precision = "fp32";
  std::string device = "cpu";
};

void print_features(const std::vector<std::string>& inputs, std::size_t first, const torch::Tensor& features) {
  const torch::Tensor rows = features.to(torch::kCPU, torch::kFloat).contiguous();
  const std::int64_t dim = rows.size(1);
  for (std::int64_t i = 0; i < rows.size(0); ++i) {
    const float* data = rows[i].data_ptr<float>();
    nlohmann::ordered_json line;
    line["input"] = inputs[first + static_cast<std::size_t>(i)];
    line["features"] = std::vector<float>(data, data + dim);
    std::cout << line.dump() << "\n";
  }
}

void encode_texts(ClipModel& model, const EncodeOptions& opts) {
  if (opts.vocab.empty()) throw std::invalid_argument("encode: --text needs --vocab (the BPE merges file)");
  const Tokenizer tokenizer = Tokenizer::from_file(opts.vocab);
  const ClipConfig& config = model->config();
  if (static_cast<std::int64_t>(tokenizer.vocab_size()) > config.vocab_size) {
    throw std::invalid_argument("encode: vocabulary '" + opts.vocab + "' has " +
                                std::to_string(tokenizer.vocab_size()) + " tokens but the model '" + opts.weights +
                                "' embeds only " + std::to_string(config.vocab_size));
  }
  const auto context = static_cast<std::size_t>(config.context_length);
  for (std::size_t first = 0; first < opts.texts.size(); first += kBatch) {
    const std::size_t count = std::min(kBatch, opts.texts.size() - first);
    torch::Tensor ids = torch::empty({static_cast<std::int64_t>(count), config.context_length}, torch::kLong);
    for (std::size_t i = 0; i < count; ++i) {
      std::vector<std::int64_t> row;
      try {
        row = tokenizer.tokenize(opts.texts[first + i], context);
      } catch (const TokenizerError& e) {
        throw std::invalid_argument("encode: text " + std::to_string(first + i + 1) + ": " + e.what());
      }
      std::copy(row.begin(), row.end(), ids[static_cast<std::int64_t>(i)].data_ptr<std::int64_t>());
    }
    print_features(opts.texts, first, model->encode_text(ids));
  }
}

void encode_images(ClipModel& model, const EncodeOptions& opts) {
  const int resolution = static_cast<int>(model->config().image_resolution);
  for (std::size_t first = 0; first < opts.images.size(); first += kBatch) {
    const std::size_t count = std::min(kBatch, opts.images.size() - first);
    std::vector<torch::Tensor> batch;
    batch.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
      batch.push_back(test_transform(decode_image_file(opts.images[first + i]), resolution));
    }
    print_features(opts.images, first, model->encode_image(torch::stack(batch)));
  }
}

void run_encode(const EncodeOptions& opts, const GlobalOptions& global) {
  apply_threads(global);
  torch::NoGradGuard no_grad;
  const Precision precision = parse_precision(opts.precision);
  const torch::Device device = parse_device(opts.device, "--device");
  require_usable(device, "--device");
  ClipModel model = load_clip(opts.weights, device);
  model->set_precision(precision);
  if (!opts.texts.empty()) encode_texts(model, opts);
  if (!opts.images.empty()) encode_images(model, opts);
}

void setup_encode(CLI::App& app, GlobalOptions& global) {
  auto opts = std::make_shared<EncodeOptions>();
  CLI::App* cmd = app.add_subcommand("encode", "Print CLIP features of texts or images, one JSON object per input");
  cmd->add_option("--weights", opts->weights, "CLIP weights: OpenAI archive (ViT-B-16.pt, RN50.pt ...) or promptlab checkpoint")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--vocab", opts->vocab, "BPE merges file (needed with --text)")->check(CLI::ExistingFile);
  auto* text = cmd->add_option("--text", opts->texts, "Texts to encode");
  auto* image = cmd->add_option("--image", opts->images, "Image files to encode (test transform)");
  text->excludes(image);
  cmd->add_option("--precision", opts->precision, "fp32 (default), fp16 or bf16")
      ->check(CLI::IsMember({"fp32", "fp16", "bf16"}));
  cmd->add_option("--device", opts->device, "cpu (default) or cuda[:N]");
  cmd->callback([opts, &global] {
    if (opts->texts.empty() && opts->images.empty()) throw CLI::ValidationError("encode", "give --text or --image");
    run_encode(*opts, global);
  });
}

CommandRegistration encode_registration{"encode", 61, &setup_encode};

}  // namespace
}  // namespace promptlab::cli

// Reading and writing CLIP weights: OpenAI's TorchScript archives and promptlab's own
// pickled checkpoints, strict copying into a ClipModel.
#include "clip/clip_weights.hpp"

#include <caffe2/serialize/inline_container.h>
#include <torch/script.h>
#include <torch/serialize.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <set>
#include <stdexcept>
#include <vector>

#include "util/pickle_archive.hpp"
#include "util/temp_path.hpp"

namespace promptlab {
namespace {

// Scalar entries of OpenAI's archives that are not weights.
const std::set<std::string> kScalarEntries = {"input_resolution", "context_length", "vocab_size"};

std::string error_text(const std::exception& e) {
  if (const auto* c10_error = dynamic_cast<const c10::Error*>(&e)) return c10_error->what_without_backtrace();
  return e.what();
}

std::vector<char> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot open CLIP weights file");
  return std::vector<char>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::map<std::string, torch::Tensor> read_torchscript_state(const std::string& path) {
  torch::jit::Module module;
  try {
    {
      caffe2::serialize::PyTorchStreamReader reader(path);
      check_archive_pickles(reader, "");  // before LibTorch's unpickler trusts their sizes
    }
    module = torch::jit::load(path, torch::kCPU);
  } catch (const std::exception& e) {
    throw std::runtime_error(path + ": cannot load TorchScript archive (truncated or corrupt?): " + error_text(e));
  }
  std::map<std::string, torch::Tensor> state;
  for (const auto& p : module.named_parameters(/*recurse=*/true)) state[p.name] = p.value.detach();
  for (const auto& b : module.named_buffers(/*recurse=*/true)) {
    if (kScalarEntries.count(b.name) == 0) state[b.name] = b.value.detach();
  }
  return state;
}

std::map<std::string, torch::Tensor> read_promptlab_state(const std::string& path) {
  c10::IValue root;
  const std::vector<char> bytes = read_bytes(path);
  try {
    root = load_pickle_archive(bytes);
  } catch (const std::exception& e) {
    throw std::runtime_error(path + ": neither a TorchScript archive nor a promptlab CLIP checkpoint (" +
                             error_text(e) +
                             "). promptlab reads OpenAI's released .pt files (saved with torch.jit.save) and its own "
                             "checkpoints; a torch.save() state dict, truncated or corrupt file is not either");
  }
  const auto not_ours = [&](const std::string& why) {
    return std::runtime_error(path + ": not a promptlab CLIP checkpoint (" + why + ")");
  };
  if (!root.isGenericDict()) throw not_ours("top level is not a dict");
  const auto dict = root.toGenericDict();
  if (!dict.contains("format") || !dict.at("format").isString() ||
      dict.at("format").toStringRef() != kClipCheckpointFormat) {
    throw not_ours("no format tag '" + std::string(kClipCheckpointFormat) + "'");
  }
  const std::int64_t version = dict.contains("version") ? dict.at("version").toInt() : -1;
  if (version != kClipCheckpointVersion) {
    throw std::runtime_error(path + ": promptlab CLIP checkpoint version " + std::to_string(version) +
                             " is not supported (this build reads version " +
                             std::to_string(kClipCheckpointVersion) + ")");
  }
  if (!dict.contains("state") || !dict.at("state").isGenericDict()) throw not_ours("no 'state' dict");
  std::map<std::string, torch::Tensor> state;
  for (const auto& entry : dict.at("state").toGenericDict()) {
    if (!entry.key().isString() || !entry.value().isTensor()) throw not_ours("'state' holds a non-tensor entry");
    state[entry.key().toStringRef()] = entry.value().toTensor();
  }
  return state;
}

// Every tensor of the model by key: its parameters, then its buffers (a ResNet's BatchNorm statistics).
torch::OrderedDict<std::string, torch::Tensor> model_tensors(const ClipModel& model) {
  auto tensors = model->named_parameters(/*recurse=*/true);
  for (const auto& item : model->named_buffers(/*recurse=*/true)) tensors.insert(item.key(), item.value());
  return tensors;
}

}  // namespace

bool is_torchscript_archive(const std::string& path) {
  { std::ifstream probe(path, std::ios::binary);
    if (!probe) throw std::runtime_error(path + ": cannot open CLIP weights file"); }
  try {
    caffe2::serialize::PyTorchStreamReader reader(path);
    return reader.hasRecord("constants.pkl");
  } catch (const std::exception& e) {
    throw std::runtime_error(path + ": not a readable CLIP weights archive (truncated or corrupt zip?): " +
                             error_text(e));
  }
}

std::map<std::string, torch::Tensor> read_clip_state(const std::string& path) {
  return is_torchscript_archive(path) ? read_torchscript_state(path) : read_promptlab_state(path);
}

void write_clip_state(const std::map<std::string, torch::Tensor>& state, const ClipConfig& config,
                      const std::string& path) {
  c10::Dict<std::string, torch::Tensor> tensors;
  for (const auto& [key, value] : state) {
    tensors.insert(key, value.detach().to(torch::kCPU, torch::kFloat).contiguous().clone());
  }
  c10::Dict<std::string, std::int64_t> cfg;
  cfg.insert("embed_dim", config.embed_dim);
  cfg.insert("image_resolution", config.image_resolution);
  cfg.insert("vision_layers", config.vision_layers);
  cfg.insert("vision_width", config.vision_width);
  cfg.insert("vision_patch", config.vision_patch);
  cfg.insert("context_length", config.context_length);
  cfg.insert("vocab_size", config.vocab_size);
  cfg.insert("text_width", config.text_width);
  cfg.insert("text_layers", config.text_layers);
  if (config.vision_kind == VisionKind::kResNet) {
    for (std::size_t i = 0; i < config.resnet_layers.size(); ++i) {
      cfg.insert("resnet_layer" + std::to_string(i + 1), config.resnet_layers[i]);
    }
  }
  c10::impl::GenericDict root(c10::StringType::get(), c10::AnyType::get());
  root.insert("format", std::string(kClipCheckpointFormat));
  root.insert("version", kClipCheckpointVersion);
  root.insert("config", cfg);
  root.insert("state", tensors);
  const std::vector<char> bytes = torch::pickle_save(c10::IValue(root));

  const std::string tmp = temp_path_beside(path);
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error(path + ": cannot write CLIP checkpoint");
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out.flush()) throw std::runtime_error(path + ": write failed (disk full?)");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw std::runtime_error(path + ": cannot move the written checkpoint into place");
  }
}

void save_clip(const ClipModel& model, const std::string& path) {
  std::map<std::string, torch::Tensor> state;
  for (const auto& item : model_tensors(model)) state[item.key()] = item.value();
  write_clip_state(state, model->config(), path);
}

void load_state_into(ClipModel& model, const std::map<std::string, torch::Tensor>& state,
                     const std::string& source) {
  torch::NoGradGuard no_grad;
  auto params = model_tensors(model);
  std::vector<std::string> missing;
  for (const auto& item : params) {
    if (state.count(item.key()) == 0) missing.push_back(item.key());
  }
  if (!missing.empty()) {
    std::string msg = source + ": missing key '" + missing.front() + "'";
    if (missing.size() > 1) msg += " (and " + std::to_string(missing.size() - 1) + " more)";
    throw std::runtime_error(msg);
  }
  for (const auto& [key, value] : state) {
    if (params.find(key) == nullptr) {
      throw std::runtime_error(source + ": unexpected key '" + key + "' (not a parameter or buffer of this CLIP model)");
    }
  }
  for (auto& item : params) {
    const torch::Tensor& value = state.at(item.key());
    if (value.sizes() != item.value().sizes()) {
      throw std::runtime_error(source + ": key '" + item.key() + "' has shape " + c10::str(value.sizes()) +
                               " but the model expects " + c10::str(item.value().sizes()));
    }
    if (!value.is_floating_point() && item.value().is_floating_point()) {
      throw std::runtime_error(source + ": key '" + item.key() + "' holds " +
                               std::string(c10::toString(value.scalar_type())) + ", expected floating point");
    }
    item.value().copy_(value);
  }
}

ClipModel load_clip(const std::string& path, const torch::Device& device) {
  std::map<std::string, torch::Tensor> state = read_clip_state(path);
  ClipConfig config;
  try {
    config = infer_clip_config(state);
  } catch (const std::exception& e) {
    throw std::runtime_error(path + ": " + e.what());
  }
  ClipModel model(config);
  load_state_into(model, state, path);
  state.clear();
  for (auto& param : model->parameters()) param.requires_grad_(false);
  model->to(device);
  model->eval();
  return model;
}

}  // namespace promptlab

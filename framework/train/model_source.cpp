#include "train/model_source.hpp"

#include <unistd.h>

#include <filesystem>
#include <mutex>
#include <stdexcept>

#include "train/resources.hpp"
#include "util/device.hpp"

namespace promptlab {

namespace {

// Throws naming `what` and the path unless it is a readable regular file.
void require_file(const std::string& path, const std::string& what) {
  namespace fs = std::filesystem;
  if (fs::is_directory(path)) throw std::runtime_error(what + ": '" + path + "' is a folder, not a file");
  if (!fs::exists(path)) throw std::runtime_error(what + ": file '" + path + "' does not exist");
  if (!fs::is_regular_file(path)) throw std::runtime_error(what + ": '" + path + "' is not a regular file");
  if (::access(path.c_str(), R_OK) != 0) throw std::runtime_error(what + ": file '" + path + "' is not readable");
}

}  // namespace

std::string embedded_weights_path() { return find_resource("assets/embedded/tiny_clip.pt"); }
std::string embedded_vocab_path() { return find_resource("assets/embedded/merges.txt"); }

ModelFiles resolve_model_files(const Config& config) {
  ModelFiles f;
  f.weights_path = config.get_string("model.weights", "");
  f.vocab_path = config.get_string("model.vocab", "");
  if (f.weights_path.empty()) {
    f.embedded = true;
    f.weights_path = embedded_weights_path();
    if (f.weights_path.empty())
      throw std::runtime_error(
          "the embedded tiny CLIP (assets/embedded/tiny_clip.pt) was not found; run from the source tree, "
          "set PROMPTLAB_HOME, or pass --weights FILE");
    if (f.vocab_path.empty()) f.vocab_path = embedded_vocab_path();
  }
  require_file(f.weights_path, "model.weights (--weights)");
  if (f.vocab_path.empty())
    throw std::invalid_argument("model.weights='" + f.weights_path +
                                "' needs its BPE vocabulary: pass --vocab FILE (e.g. bpe_simple_vocab_16e6.txt.gz)");
  require_file(f.vocab_path, "model.vocab (--vocab)");
  return f;
}

namespace {

// What a loaded model was built from: the files as they are on disk now, and the settings applied.
std::string model_key(const ModelFiles& files, const torch::Device& device, Precision precision, bool truncate) {
  namespace fs = std::filesystem;
  std::string key;
  for (const std::string& path : {files.weights_path, files.vocab_path}) {
    const fs::path canonical = fs::canonical(path);
    key += canonical.string() + '|' + std::to_string(fs::file_size(canonical)) + '|' +
           std::to_string(fs::last_write_time(canonical).time_since_epoch().count()) + '|';
  }
  return key + device.str() + '|' + to_string(precision) + '|' + (truncate ? "t" : "f");
}

// The last model loaded in this process. Runs one after another in one process (`bench`'s cells)
// share it instead of reading and checksumming the same weights again.
struct LastModel {
  std::mutex mutex;
  std::string key;
  ModelBundle bundle;
};

LastModel& last_model() {
  static LastModel last;
  return last;
}

}  // namespace

ModelBundle load_model(const Config& config) {
  const ModelFiles files = resolve_model_files(config);
  const torch::Device device = parse_device(config.get_string("model.device", "cpu"), "model.device");
  require_usable(device, "model.device");
  const Precision precision = parse_precision(config.get_string("model.precision", "fp32"));
  const bool truncate = config.get_bool("model.truncate_text", true);  // configs recorded before the key ran with it
  const std::string key = model_key(files, device, precision, truncate);
  LastModel& last = last_model();
  std::lock_guard<std::mutex> lock(last.mutex);
  if (last.key != key) {
    last.key.clear();
    ModelBundle m;
    m.weights_path = files.weights_path;
    m.vocab_path = files.vocab_path;
    m.embedded = files.embedded;
    m.device = device;
    m.precision = precision;
    m.tokenizer = std::make_shared<Tokenizer>(Tokenizer::from_file(m.vocab_path));
    m.clip = load_clip(m.weights_path, m.device);
    m.clip->set_precision(m.precision);
    m.clip->set_truncate_text(truncate);
    m.checksum = clip_checksum(m.weights_path);
    last.bundle = std::move(m);
    last.key = key;
  }
  // What a run may have changed on the shared model is set again for the next.
  ModelBundle m = last.bundle;
  m.clip->eval();
  m.clip->set_text_grad_chunk(kDefaultTextGradChunk);
  for (auto& p : m.clip->parameters()) p.set_requires_grad(false);
  return m;
}

}  // namespace promptlab

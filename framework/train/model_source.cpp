#include "train/model_source.hpp"

#include <unistd.h>

#include <filesystem>
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

ModelBundle load_model(const Config& config) {
  ModelBundle m;
  const ModelFiles files = resolve_model_files(config);
  m.weights_path = files.weights_path;
  m.vocab_path = files.vocab_path;
  m.embedded = files.embedded;
  m.device = parse_device(config.get_string("model.device", "cpu"), "model.device");
  require_usable(m.device, "model.device");
  m.precision = parse_precision(config.get_string("model.precision", "fp32"));
  m.tokenizer = std::make_shared<Tokenizer>(Tokenizer::from_file(m.vocab_path));
  m.clip = load_clip(m.weights_path, m.device);
  m.clip->set_precision(m.precision);
  m.clip->set_truncate_text(config.get_bool("model.truncate_text", true));  // configs recorded before the key
  m.clip->eval();
  for (auto& p : m.clip->parameters()) p.set_requires_grad(false);
  m.checksum = clip_checksum(m.weights_path);
  return m;
}

}  // namespace promptlab

#pragma once
// The frozen model a run uses: CLIP weights + its tokenizer, by default the
// embedded tiny CLIP shipped in assets/embedded/.
#include <memory>
#include <string>

#include "promptlab/clip_model.hpp"
#include "promptlab/config.hpp"
#include "promptlab/tokenizer.hpp"

namespace promptlab {

/// A loaded model and what identifies it.
struct ModelBundle {
  ClipModel clip{nullptr};
  std::shared_ptr<Tokenizer> tokenizer;
  std::string weights_path;
  std::string vocab_path;
  std::string checksum;   // of the weights
  Precision precision = Precision::kFp32;
  torch::Device device = torch::kCPU;
  bool embedded = false;  // the shipped tiny CLIP
};

/// Paths of the shipped tiny CLIP ("" when not found).
std::string embedded_weights_path();
std::string embedded_vocab_path();

/// The weight and vocabulary files a config names (defaults: the embedded model).
struct ModelFiles {
  std::string weights_path;
  std::string vocab_path;
  bool embedded = false;
};

/// Resolves model.weights / model.vocab and checks that both files exist; errors name the key,
/// the command-line option and the path.
ModelFiles resolve_model_files(const Config& config);

/// Loads model.weights / model.vocab (defaults: the embedded model), model.precision,
/// model.device ("cpu" or "cuda") and model.truncate_text (default on: configs recorded before the
/// key ran with it). Errors name the file and key. The last model loaded is kept for the process:
/// a second call for the same files (unchanged on disk: path, size and modification time) and
/// settings returns it again, in eval mode, without gradients and with the default text
/// recomputation chunk, rather than reading the weights again. Runs must not change its weights.
ModelBundle load_model(const Config& config);

}  // namespace promptlab

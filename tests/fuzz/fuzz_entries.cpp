#include "fuzz/fuzz_entries.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <string>

#include "clip/bpe_merges_io.hpp"
#include "data/split_reader.hpp"
#include "promptlab/clip_model.hpp"
#include "promptlab/config.hpp"
#include "promptlab/tokenizer.hpp"
#include "train/checkpoint.hpp"

namespace promptlab::fuzz {
namespace {

// A file holding the input, named per process so parallel fuzzers do not share it.
std::string as_file(const std::uint8_t* data, std::size_t size, const std::string& suffix) {
  const char* tmp = std::getenv("TMPDIR");
  const std::string path = std::string(tmp && *tmp ? tmp : "/tmp") + "/promptlab-fuzz-" +
                           std::to_string(::getpid()) + suffix;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  return path;
}

template <typename F>
bool accepted(F&& body) {
  try {
    body();
    return true;
  } catch (const std::exception& e) {
    if (std::getenv("PROMPTLAB_FUZZ_VERBOSE")) std::fprintf(stderr, "refused: %s\n", e.what());
    return false;  // a clear error: the expected way to refuse bad input
  }
}

}  // namespace

bool config_toml(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  return accepted([&] {
    const Config c = Config::from_toml_string(text, "fuzz.toml");
    const Config back = Config::from_json(c.to_json(), "fuzz.json");
    if (back.to_string() != c.to_string()) std::abort();  // the stored config must read back unchanged
  });
}

bool split_json(const std::uint8_t* data, std::size_t size) {
  const std::string path = as_file(data, size, ".json");
  return accepted([&] { read_zhou_split(path, "/nonexistent-images", /*check_images=*/false); });
}

bool tokenizer_text(const std::uint8_t* data, std::size_t size) {
  static const Tokenizer tokenizer =
      Tokenizer::from_merges({{"t", "h"}, {"th", "e</w>"}, {"a", "n"}, {"an", "d</w>"}, {"o", "f</w>"}});
  const std::string text(reinterpret_cast<const char*>(data), size);
  return accepted([&] {
    tokenizer.encode(text);
    const auto ids = tokenizer.tokenize(text, 77, /*truncate=*/true);
    if (ids.size() != 77) std::abort();
  });
}

bool merges_file(const std::uint8_t* data, std::size_t size) {
  const std::string path = as_file(data, size, ".txt");
  return accepted([&] {
    const Tokenizer t = Tokenizer::from_merges(bpe::read_merges(path, -1));
    t.tokenize("a photo of a dog.", 77, /*truncate=*/true);
  });
}

bool clip_weights(const std::uint8_t* data, std::size_t size) {
  const std::string path = as_file(data, size, ".pt");
  return accepted([&] { load_clip(path); });
}

bool checkpoint(const std::uint8_t* data, std::size_t size) {
  const std::string path = as_file(data, size, ".ckpt");
  return accepted([&] {
    const auto state = load_checkpoint(path, "fuzz");
    if (!state) std::abort();  // the file exists, so there is a state or an error
    if (state->torch_rng.defined()) {
      const torch::Tensor saved = torch_rng_state();
      accepted([&] { set_torch_rng_state(state->torch_rng); });  // a wrong-sized state must be refused
      set_torch_rng_state(saved);
    }
  });
}

Entry entry_named(const std::string& name) {
  if (name == "config_toml") return &config_toml;
  if (name == "split_json") return &split_json;
  if (name == "tokenizer_text") return &tokenizer_text;
  if (name == "merges_file") return &merges_file;
  if (name == "clip_weights") return &clip_weights;
  if (name == "checkpoint") return &checkpoint;
  return nullptr;
}

}  // namespace promptlab::fuzz

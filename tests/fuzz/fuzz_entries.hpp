#pragma once
// What each fuzz target feeds its input to. Shared by the libFuzzer programs (tests/fuzz/*_fuzz.cpp,
// built with -DPROMPTLAB_FUZZ=ON and clang) and by the regression test that replays the inputs kept
// in tests/fuzz/regressions/<target>/. Each entry returns true when the input was accepted and
// false when it was rejected with a promptlab error (an exception); anything else (a crash, a
// sanitizer report, an abort on a broken property) is a bug.
#include <cstddef>
#include <cstdint>
#include <string>

namespace promptlab::fuzz {

/// Config::from_toml_string, then to_json/from_json must give back the same canonical text.
bool config_toml(const std::uint8_t* data, std::size_t size);

/// read_zhou_split on the bytes as a split_zhou JSON file (images not checked).
bool split_json(const std::uint8_t* data, std::size_t size);

/// A fixed tokenizer's encode and tokenize (truncating) on the bytes as text.
bool tokenizer_text(const std::uint8_t* data, std::size_t size);

/// bpe::read_merges on the bytes as a merges file, then a tokenizer built from them encodes a text.
bool merges_file(const std::uint8_t* data, std::size_t size);

/// load_clip on the bytes as a weights file (TorchScript archive or promptlab checkpoint).
bool clip_weights(const std::uint8_t* data, std::size_t size);

/// load_checkpoint on the bytes as a run checkpoint (config hash "fuzz"), then its RNG state set
/// and put back.
bool checkpoint(const std::uint8_t* data, std::size_t size);

/// The entry of a target by name ("config_toml", ...); nullptr when unknown.
using Entry = bool (*)(const std::uint8_t*, std::size_t);
Entry entry_named(const std::string& name);

}  // namespace promptlab::fuzz

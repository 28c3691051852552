#pragma once
// Reading CLIP merges files (plain or gzip).
#include <string>
#include <utility>
#include <vector>

namespace promptlab::bpe {

/// Header line of OpenAI's bpe_simple_vocab_16e6.txt.
inline constexpr const char* kOpenAiHeader = "\"bpe_simple_vocab_16e6.txt#version: 0.2";
/// Merges CLIP uses from the OpenAI file (lines 1..48894).
inline constexpr long kOpenAiMerges = 48894;
/// Header written by write_bpe_merges.
inline constexpr const char* kMergesHeader = "#version: 0.2";

/// True when `s` ends with `suffix`.
bool ends_with(const std::string& s, const std::string& suffix);

/// Reads the merges of `path` (gzip or plain). max_merges < 0: 48894 for the OpenAI
/// file, every line otherwise. Throws TokenizerError naming the path on any problem.
std::vector<std::pair<std::string, std::string>> read_merges(const std::string& path,
                                                             long max_merges);

}  // namespace promptlab::bpe

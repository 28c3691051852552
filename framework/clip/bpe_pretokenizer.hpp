#pragma once
// CLIP's pre-tokenizer: a hand-written scanner for the regex
//   <\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+
// (case-insensitive; the leftmost alternative wins, unmatched characters are skipped).
#include <string>
#include <vector>

namespace promptlab::bpe {

/// Splits already-cleaned text into pieces, each returned as UTF-8.
std::vector<std::string> split_pieces(const std::u32string& cleaned);

/// Cleans (docs/protocol.md §2) and splits raw UTF-8 text; throws TokenizerError on bad UTF-8.
std::vector<std::string> pretokenize(const std::string& text);

}  // namespace promptlab::bpe

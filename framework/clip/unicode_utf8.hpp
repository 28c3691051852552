#pragma once
// UTF-8 <-> code points, with strict validation (the tokenizer's, and the dataset readers' check
// of class-name files).
#include <string>

namespace promptlab::unicode {

/// Decodes strict UTF-8; throws TokenizerError naming the byte offset of the first bad byte.
std::u32string decode_utf8(const std::string& text);
/// Decodes strict UTF-8 into `out`; returns false (and sets `bad_offset`) on invalid input.
bool try_decode_utf8(const std::string& text, std::u32string& out, std::size_t& bad_offset);
/// Appends the UTF-8 encoding of one code point.
void append_utf8(std::string& out, char32_t cp);
/// Encodes code points as UTF-8.
std::string encode_utf8(const std::u32string& text);

}  // namespace promptlab::unicode

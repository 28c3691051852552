#pragma once
// GPT-2/CLIP byte-to-unicode table: every byte gets a printable code point.
#include <array>
#include <string>

namespace promptlab::bpe {

/// Code point standing for each byte value.
const std::array<char32_t, 256>& byte_to_unicode();
/// Byte values in CLIP's vocabulary order (printable ranges first, then the rest).
const std::array<unsigned char, 256>& vocab_byte_order();
/// UTF-8 of the symbol standing for one byte.
std::string byte_symbol(unsigned char byte);
/// Maps raw bytes to their symbols, concatenated as UTF-8.
std::string bytes_to_symbols(const std::string& bytes);
/// Inverse of byte_to_unicode for one code point; -1 when it stands for no byte.
int unicode_to_byte(char32_t cp);

}  // namespace promptlab::bpe

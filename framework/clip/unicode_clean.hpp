#pragma once
// CLIP's text cleaning: ftfy-style repair, html-unescape twice, whitespace
// collapse, lower-casing (docs/protocol.md §2). Internal to the tokenizer.
#include <string>

namespace promptlab::unicode {

/// Python str.isspace() for one code point.
bool is_space(char32_t c);
/// Unicode general category L* / N* (regex \p{L}, \p{N}).
bool is_letter(char32_t c);
bool is_number(char32_t c);

/// ftfy.fix_text with its defaults, for the common cases: HTML entities (unless the
/// text has '<'), UTF-8 read as Windows-1252, C1 controls, Latin ligatures,
/// full/half-width forms, curly quotes, line breaks, terminal escapes, control
/// characters, NFC; repeated until nothing changes.
std::u32string fix_text(const std::u32string& text);

/// Python str.lower() (full mapping: U+0130 and the final sigma included).
std::u32string lower(const std::u32string& text);

/// The whole cleaning chain on strict UTF-8 input (throws TokenizerError on bad UTF-8).
std::u32string clean_text(const std::string& utf8);

}  // namespace promptlab::unicode

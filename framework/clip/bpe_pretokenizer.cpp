#include "clip/bpe_pretokenizer.hpp"

#include "clip/unicode_clean.hpp"
#include "clip/unicode_utf8.hpp"

namespace promptlab::bpe {
namespace {

// Case-insensitive equality against a lower-case ASCII pattern character, as
// Python's `regex` module folds it (U+017F LONG S folds to 's', U+212A to 'k').
bool folds_to(char32_t c, char32_t pattern) {
  if (c == pattern) return true;
  if (pattern >= U'a' && pattern <= U'z' && c == pattern - 32) return true;
  if (pattern == U's' && c == 0x17F) return true;
  if (pattern == U'k' && c == 0x212A) return true;
  return false;
}

// Length of the literal `pattern` matched at `pos`, or 0.
std::size_t match_literal(const std::u32string& s, std::size_t pos, const char32_t* pattern) {
  std::size_t k = 0;
  for (; pattern[k]; ++k)
    if (pos + k >= s.size() || !folds_to(s[pos + k], pattern[k])) return 0;
  return k;
}

}  // namespace

std::vector<std::string> split_pieces(const std::u32string& s) {
  static const char32_t* const kLiterals[] = {U"<|startoftext|>", U"<|endoftext|>", U"'s", U"'t",
                                              U"'re", U"'ve", U"'m", U"'ll", U"'d"};
  std::vector<std::string> pieces;
  const std::size_t n = s.size();
  std::size_t i = 0;
  while (i < n) {
    const char32_t c = s[i];
    std::size_t len = 0;
    if (c == U'<' || c == U'\'') {
      for (const char32_t* lit : kLiterals)
        if ((len = match_literal(s, i, lit)) != 0) break;
    }
    if (len == 0) {
      if (unicode::is_letter(c)) {
        len = 1;
        while (i + len < n && unicode::is_letter(s[i + len])) ++len;
      } else if (unicode::is_number(c)) {
        len = 1;
      } else if (!unicode::is_space(c)) {
        len = 1;
        while (i + len < n && !unicode::is_space(s[i + len]) && !unicode::is_letter(s[i + len]) &&
               !unicode::is_number(s[i + len]))
          ++len;
      } else {
        ++i;  // whitespace matches no alternative
        continue;
      }
    }
    std::string piece;
    for (std::size_t k = i; k < i + len; ++k) unicode::append_utf8(piece, s[k]);
    pieces.push_back(std::move(piece));
    i += len;
  }
  return pieces;
}

std::vector<std::string> pretokenize(const std::string& text) {
  return split_pieces(unicode::clean_text(text));
}

}  // namespace promptlab::bpe

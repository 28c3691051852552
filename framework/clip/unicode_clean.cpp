#include "clip/unicode_clean.hpp"

#include <utf8proc.h>

#include <array>
#include <cstdlib>
#include <mutex>

#include "clip/unicode_html.hpp"
#include "clip/unicode_utf8.hpp"

namespace promptlab::unicode {
namespace {

bool all_ascii(const std::u32string& s) {
  for (char32_t c : s)
    if (c >= 0x80) return false;
  return true;
}

// NFC through utf8proc (its output is always valid for valid input).
std::u32string nfc(const std::u32string& text) {
  const std::string utf8 = encode_utf8(text);
  utf8proc_uint8_t* out = utf8proc_NFC(reinterpret_cast<const utf8proc_uint8_t*>(utf8.c_str()));
  if (!out) return text;
  std::u32string result;
  std::size_t bad = 0;
  const bool ok = try_decode_utf8(reinterpret_cast<const char*>(out), result, bad);
  std::free(out);
  return ok ? result : text;
}

// Byte value of `c` in "sloppy" Windows-1252, or -1 when it has none.
int sloppy_cp1252_byte(char32_t c) {
  if (c < 0x80 || (c >= 0xA0 && c <= 0xFF)) return static_cast<int>(c);
  for (unsigned b = 0x80; b <= 0x9F; ++b)
    if (cp1252_c1(b) == c) return static_cast<int>(b);
  return -1;
}

// UTF-8 that was decoded as Windows-1252 ("cafÃ©"): re-encode and decode again
// when the whole segment round-trips into valid multi-byte UTF-8.
std::u32string fix_mojibake(const std::u32string& text) {
  if (all_ascii(text)) return text;
  std::string bytes;
  bytes.reserve(text.size());
  for (char32_t c : text) {
    const int b = sloppy_cp1252_byte(c);
    if (b < 0) return text;
    bytes.push_back(static_cast<char>(b));
  }
  std::u32string decoded;
  std::size_t bad = 0;
  if (!try_decode_utf8(bytes, decoded, bad)) return text;
  return decoded;
}

const std::array<std::u32string, 0xFFF0 - 0xFF01>& width_table() {
  static const auto table = [] {
    std::array<std::u32string, 0xFFF0 - 0xFF01> t;
    for (char32_t c = 0xFF01; c < 0xFFF0; ++c) {
      std::string one;
      append_utf8(one, c);
      utf8proc_uint8_t* out = utf8proc_NFKC(reinterpret_cast<const utf8proc_uint8_t*>(one.c_str()));
      if (!out) continue;
      std::u32string alt;
      std::size_t bad = 0;
      if (try_decode_utf8(reinterpret_cast<const char*>(out), alt, bad) && alt != std::u32string(1, c))
        t[c - 0xFF01] = alt;
      std::free(out);
    }
    return t;
  }();
  return table;
}

const char32_t* ligature(char32_t c) {
  switch (c) {
    case 0x132: return U"IJ";
    case 0x133: return U"ij";
    case 0x149: return U"\u02BCn";
    case 0x1C4: return U"D\u017D";
    case 0x1C5: return U"D\u017E";
    case 0x1C6: return U"d\u017E";
    case 0x1C7: return U"LJ";
    case 0x1C8: return U"Lj";
    case 0x1C9: return U"lj";
    case 0x1CA: return U"NJ";
    case 0x1CB: return U"Nj";
    case 0x1CC: return U"nj";
    case 0x1F1: return U"DZ";
    case 0x1F2: return U"Dz";
    case 0x1F3: return U"dz";
    case 0xFB00: return U"ff";
    case 0xFB01: return U"fi";
    case 0xFB02: return U"fl";
    case 0xFB03: return U"ffi";
    case 0xFB04: return U"ffl";
    case 0xFB05: return U"\u017Ft";
    case 0xFB06: return U"st";
    default: return nullptr;
  }
}

bool is_control_to_remove(char32_t c) {
  return c <= 0x08 || c == 0x0B || (c >= 0x0E && c <= 0x1F) || c == 0x7F ||
         (c >= 0x206A && c <= 0x206F) || c == 0xFEFF || (c >= 0xFFF9 && c <= 0xFFFC) ||
         (c >= 0x1D173 && c <= 0x1D17A) || (c >= 0xE0000 && c <= 0xE007F);
}

// One pass of the per-character fixes (C1, ligatures, width, quotes, line breaks).
std::u32string fix_characters(const std::u32string& text) {
  std::u32string out;
  out.reserve(text.size());
  const std::size_t n = text.size();
  for (std::size_t i = 0; i < n; ++i) {
    const char32_t c = text[i];
    if (c >= 0x80 && c <= 0x9F) {
      out.push_back(cp1252_c1(c));
    } else if (const char32_t* lig = ligature(c)) {
      out += lig;
    } else if (c >= 0xFF01 && c < 0xFFF0 && !width_table()[c - 0xFF01].empty()) {
      out += width_table()[c - 0xFF01];
    } else if (c == 0x3000) {
      out.push_back(U' ');
    } else if (c == 0x2BC || (c >= 0x2018 && c <= 0x201B)) {
      out.push_back(U'\'');
    } else if (c >= 0x201C && c <= 0x201F) {
      out.push_back(U'"');
    } else if (c == U'\r') {
      out.push_back(U'\n');
      if (i + 1 < n && text[i + 1] == U'\n') ++i;
    } else if (c == 0x2028 || c == 0x2029 || c == 0x85) {
      out.push_back(U'\n');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// ESC '[' (digits|';')* letter, then the control characters ftfy removes.
std::u32string remove_escapes_and_controls(const std::u32string& text) {
  std::u32string out;
  out.reserve(text.size());
  const std::size_t n = text.size();
  for (std::size_t i = 0; i < n; ++i) {
    if (text[i] == 0x1B && i + 1 < n && text[i + 1] == U'[') {
      std::size_t k = i + 2;
      while (k < n && ((text[k] >= U'0' && text[k] <= U'9') || text[k] == U';')) ++k;
      if (k < n && ((text[k] >= U'a' && text[k] <= U'z') || (text[k] >= U'A' && text[k] <= U'Z'))) {
        i = k;
        continue;
      }
    }
    if (!is_control_to_remove(text[i])) out.push_back(text[i]);
  }
  return out;
}

std::u32string fix_segment(std::u32string text, bool unescape) {
  for (int round = 0; round < 16; ++round) {
    const std::u32string before = text;
    if (unescape) text = ftfy_unescape_html(text);
    text = fix_mojibake(text);
    text = fix_characters(text);
    text = remove_escapes_and_controls(text);
    if (!all_ascii(text)) text = nfc(text);
    if (text == before) break;
  }
  return text;
}

bool is_cased(char32_t c) {
  const auto cat = utf8proc_category(static_cast<utf8proc_int32_t>(c));
  if (cat == UTF8PROC_CATEGORY_LU || cat == UTF8PROC_CATEGORY_LL || cat == UTF8PROC_CATEGORY_LT)
    return true;
  const auto v = static_cast<utf8proc_int32_t>(c);
  return utf8proc_tolower(v) != v || utf8proc_toupper(v) != v;
}

bool is_case_ignorable(char32_t c) {
  switch (c) {
    case 0x27: case 0x2E: case 0x3A: case 0x5E: case 0x60: case 0xA8: case 0xAD: case 0xAF:
    case 0xB4: case 0xB7: case 0xB8: case 0x2018: case 0x2019: case 0x2024: case 0x2027:
      return true;
    default: break;
  }
  const auto cat = utf8proc_category(static_cast<utf8proc_int32_t>(c));
  return cat == UTF8PROC_CATEGORY_MN || cat == UTF8PROC_CATEGORY_ME || cat == UTF8PROC_CATEGORY_CF ||
         cat == UTF8PROC_CATEGORY_LM || cat == UTF8PROC_CATEGORY_SK;
}

bool final_sigma(const std::u32string& s, std::size_t i) {
  std::size_t j = i;
  bool cased_before = false;
  while (j > 0) {
    --j;
    if (is_case_ignorable(s[j])) continue;
    cased_before = is_cased(s[j]);
    break;
  }
  if (!cased_before) return false;
  for (std::size_t k = i + 1; k < s.size(); ++k) {
    if (is_case_ignorable(s[k])) continue;
    return !is_cased(s[k]);
  }
  return true;
}

}  // namespace

bool is_space(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 ||
         c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 ||
         c == 0x202F || c == 0x205F || c == 0x3000;
}

bool is_letter(char32_t c) {
  if (c < 0x80) return (c >= U'a' && c <= U'z') || (c >= U'A' && c <= U'Z');
  const auto cat = utf8proc_category(static_cast<utf8proc_int32_t>(c));
  return cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO;
}

bool is_number(char32_t c) {
  if (c < 0x80) return c >= U'0' && c <= U'9';
  const auto cat = utf8proc_category(static_cast<utf8proc_int32_t>(c));
  return cat >= UTF8PROC_CATEGORY_ND && cat <= UTF8PROC_CATEGORY_NO;
}

std::u32string fix_text(const std::u32string& text) {
  std::u32string out;
  out.reserve(text.size());
  bool unescape = true;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t brk = text.find(U'\n', pos);
    brk = brk == std::u32string::npos ? text.size() : brk + 1;
    const std::u32string segment = text.substr(pos, brk - pos);
    if (segment.find(U'<') != std::u32string::npos) unescape = false;
    out += fix_segment(segment, unescape);
    pos = brk;
  }
  return out;
}

std::u32string lower(const std::u32string& text) {
  std::u32string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char32_t c = text[i];
    if (c < 0x80) {
      out.push_back(c >= U'A' && c <= U'Z' ? c + 32 : c);
    } else if (c == 0x130) {
      out.push_back(U'i');
      out.push_back(0x307);
    } else if (c == 0x3A3) {
      out.push_back(final_sigma(text, i) ? 0x3C2 : 0x3C3);
    } else {
      out.push_back(static_cast<char32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(c))));
    }
  }
  return out;
}

std::u32string clean_text(const std::string& utf8) {
  std::u32string text = fix_text(decode_utf8(utf8));
  text = html_unescape(html_unescape(text));
  // Collapse whitespace runs to one space and strip both ends.
  std::u32string collapsed;
  collapsed.reserve(text.size());
  bool pending_space = false;
  for (char32_t c : text) {
    if (is_space(c)) {
      pending_space = !collapsed.empty();
      continue;
    }
    if (pending_space) collapsed.push_back(U' ');
    pending_space = false;
    collapsed.push_back(c);
  }
  return lower(collapsed);
}

}  // namespace promptlab::unicode

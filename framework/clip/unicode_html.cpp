#include "clip/unicode_html.hpp"

#include <algorithm>
#include <cstring>

namespace promptlab::unicode {
namespace {

// Code points 0x80..0x9F as Windows-1252 decodes the same byte values.
constexpr char32_t kCp1252C1[32] = {
    0x20AC, 0x81,   0x201A, 0x192,  0x201E, 0x2026, 0x2020, 0x2021, 0x2C6,  0x2030, 0x160,
    0x2039, 0x152,  0x8D,   0x17D,  0x8F,   0x90,   0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x2DC,  0x2122, 0x161,  0x203A, 0x153,  0x9D,   0x17E,  0x178};

// Looks up an ASCII name (given as code points) in a sorted entity table.
const HtmlEntity* find_entity(const HtmlEntity* table, std::size_t count,
                              const std::u32string& name, std::size_t len) {
  if (len == 0 || len > 40) return nullptr;
  char key[48];
  for (std::size_t i = 0; i < len; ++i) {
    if (name[i] >= 0x80) return nullptr;
    key[i] = static_cast<char>(name[i]);
  }
  key[len] = '\0';
  const HtmlEntity* end = table + count;
  const HtmlEntity* it = std::lower_bound(
      table, end, key, [](const HtmlEntity& e, const char* k) { return std::strcmp(e.name, k) < 0; });
  if (it != end && std::strcmp(it->name, key) == 0) return it;
  return nullptr;
}

void append_value(std::u32string& out, const HtmlEntity& e) {
  for (char32_t c : e.value) {
    if (c == 0) break;
    out.push_back(c);
  }
}

bool is_digit(char32_t c) { return c >= '0' && c <= '9'; }
bool is_hex(char32_t c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
bool is_alnum(char32_t c) { return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
int hex_value(char32_t c) {
  if (is_digit(c)) return static_cast<int>(c - '0');
  if (c >= 'a' && c <= 'f') return static_cast<int>(c - 'a' + 10);
  return static_cast<int>(c - 'A' + 10);
}

// HTML5 treatment of a numeric reference's value (as Python's html module does it).
void append_numeric(std::u32string& out, unsigned long long num) {
  if (num == 0) {
    out.push_back(0xFFFD);
    return;
  }
  if (num == 0x0D) {
    out.push_back(0x0D);
    return;
  }
  if (num >= 0x80 && num <= 0x9F) {
    out.push_back(kCp1252C1[num - 0x80]);
    return;
  }
  if ((num >= 0xD800 && num <= 0xDFFF) || num > 0x10FFFF) {
    out.push_back(0xFFFD);
    return;
  }
  const bool invalid = (num >= 0x1 && num <= 0x8) || num == 0xB || (num >= 0xE && num <= 0x1F) ||
                       (num >= 0x7F && num <= 0x9F) || (num >= 0xFDD0 && num <= 0xFDEF) ||
                       (num & 0xFFFE) == 0xFFFE;
  if (invalid) return;
  out.push_back(static_cast<char32_t>(num));
}

}  // namespace

char32_t cp1252_c1(unsigned byte) {
  return (byte >= 0x80 && byte <= 0x9F) ? kCp1252C1[byte - 0x80] : static_cast<char32_t>(byte);
}

std::u32string html_unescape(const std::u32string& text) {
  if (text.find(U'&') == std::u32string::npos) return text;
  std::u32string out;
  out.reserve(text.size());
  const std::size_t n = text.size();
  std::size_t i = 0;
  while (i < n) {
    if (text[i] != U'&') {
      out.push_back(text[i++]);
      continue;
    }
    std::size_t j = i + 1;
    if (j < n && text[j] == U'#') {
      // Numeric reference: &#123;? or &#x1F;?
      std::size_t k = j + 1;
      bool hex = false;
      if (k < n && (text[k] == U'x' || text[k] == U'X') && k + 1 < n && is_hex(text[k + 1])) {
        hex = true;
        ++k;
      } else if (!(k < n && is_digit(text[k]))) {
        out.push_back(text[i++]);
        continue;
      }
      unsigned long long num = 0;
      while (k < n && (hex ? is_hex(text[k]) : is_digit(text[k]))) {
        if (num <= 0x10FFFF) num = num * (hex ? 16 : 10) + static_cast<unsigned>(hex_value(text[k]));
        ++k;
      }
      if (k < n && text[k] == U';') ++k;
      append_numeric(out, num);
      i = k;
      continue;
    }
    // Named reference: up to 32 name characters, then an optional ';'.
    std::size_t k = j;
    while (k < n && k - j < 32) {
      const char32_t c = text[k];
      if (c == U'\t' || c == U'\n' || c == U'\f' || c == U' ' || c == U'<' || c == U'&' ||
          c == U'#' || c == U';')
        break;
      ++k;
    }
    if (k == j) {
      out.push_back(text[i++]);
      continue;
    }
    if (k < n && text[k] == U';') ++k;
    const std::u32string name = text.substr(j, k - j);
    if (const HtmlEntity* e = find_entity(kHtmlEntities, kHtmlEntityCount, name, name.size())) {
      append_value(out, *e);
    } else {
      bool found = false;
      for (std::size_t x = name.size() - 1; x >= 2 && x < name.size(); --x) {
        if (const HtmlEntity* p = find_entity(kHtmlEntities, kHtmlEntityCount, name, x)) {
          append_value(out, *p);
          out.append(name, x, std::u32string::npos);
          found = true;
          break;
        }
      }
      if (!found) {
        out.push_back(U'&');
        out += name;
      }
    }
    i = k;
  }
  return out;
}

std::u32string ftfy_unescape_html(const std::u32string& text) {
  if (text.find(U'&') == std::u32string::npos) return text;
  std::u32string out;
  out.reserve(text.size());
  const std::size_t n = text.size();
  std::size_t i = 0;
  while (i < n) {
    if (text[i] != U'&') {
      out.push_back(text[i++]);
      continue;
    }
    // &#?[0-9A-Za-z]{1,24};
    std::size_t j = i + 1;
    const bool numeric = j < n && text[j] == U'#';
    if (numeric) ++j;
    std::size_t k = j;
    while (k < n && k - j < 24 && is_alnum(text[k])) ++k;
    if (k == j || k >= n || text[k] != U';') {
      out.push_back(text[i++]);
      continue;
    }
    const std::u32string match = text.substr(i, k + 1 - i);
    const std::u32string name = text.substr(j, k + 1 - j);  // includes ';'
    const HtmlEntity* e = nullptr;
    if (!numeric) {
      e = find_entity(kHtmlEntities, kHtmlEntityCount, name, name.size());
      if (!e) e = find_entity(kUpperHtmlEntities, kUpperHtmlEntityCount, name, name.size());
    }
    if (e) {
      append_value(out, *e);
    } else if (numeric) {
      const std::u32string decoded = html_unescape(match);
      out += decoded.find(U';') == std::u32string::npos ? decoded : match;
    } else {
      out += match;
    }
    i = k + 1;
  }
  return out;
}

}  // namespace promptlab::unicode

#pragma once
// HTML character references: Python's html.unescape and ftfy's stricter variant.
#include <cstddef>
#include <string>

namespace promptlab::unicode {

/// One named character reference; `value` holds 1-3 code points, 0-terminated.
struct HtmlEntity {
  const char* name;
  char32_t value[3];
};

extern const HtmlEntity kHtmlEntities[];
extern const std::size_t kHtmlEntityCount;
/// Upper-cased names (e.g. "EACUTE;") that ftfy decodes to the upper-cased character.
extern const HtmlEntity kUpperHtmlEntities[];
extern const std::size_t kUpperHtmlEntityCount;

/// Windows-1252 ("sloppy": undefined bytes map to themselves) for bytes 0x80-0x9F.
char32_t cp1252_c1(unsigned byte);

/// Python's html.unescape: named (HTML5, incl. legacy names without ';'),
/// decimal and hex references, with the HTML5 replacements for invalid numbers.
std::u32string html_unescape(const std::u32string& text);

/// ftfy's unescape_html: only `&name;`/`&#num;` forms (and upper-cased names).
std::u32string ftfy_unescape_html(const std::u32string& text);

}  // namespace promptlab::unicode

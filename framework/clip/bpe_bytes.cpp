#include "clip/bpe_bytes.hpp"

#include "clip/unicode_utf8.hpp"

namespace promptlab::bpe {
namespace {

bool printable(int b) {
  return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
}

struct Tables {
  std::array<char32_t, 256> to_unicode{};
  std::array<unsigned char, 256> order{};
  Tables() {
    std::size_t k = 0;
    for (int b = 0; b < 256; ++b)
      if (printable(b)) {
        to_unicode[b] = static_cast<char32_t>(b);
        order[k++] = static_cast<unsigned char>(b);
      }
    char32_t next = 256;
    for (int b = 0; b < 256; ++b)
      if (!printable(b)) {
        to_unicode[b] = next++;
        order[k++] = static_cast<unsigned char>(b);
      }
  }
};

const Tables& tables() {
  static const Tables t;
  return t;
}

}  // namespace

const std::array<char32_t, 256>& byte_to_unicode() { return tables().to_unicode; }
const std::array<unsigned char, 256>& vocab_byte_order() { return tables().order; }

std::string byte_symbol(unsigned char byte) {
  std::string out;
  unicode::append_utf8(out, byte_to_unicode()[byte]);
  return out;
}

std::string bytes_to_symbols(const std::string& bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char b : bytes) unicode::append_utf8(out, byte_to_unicode()[b]);
  return out;
}

int unicode_to_byte(char32_t cp) {
  if (cp < 256 && printable(static_cast<int>(cp))) return static_cast<int>(cp);
  if (cp >= 256 && cp < 256 + 68) {
    const auto& t = byte_to_unicode();
    for (int b = 0; b < 256; ++b)
      if (t[b] == cp) return b;
  }
  return -1;
}

}  // namespace promptlab::bpe

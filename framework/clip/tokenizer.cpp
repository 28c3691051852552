#include "promptlab/tokenizer.hpp"

#include <algorithm>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "clip/bpe_bytes.hpp"
#include "clip/bpe_merges_io.hpp"
#include "clip/bpe_model.hpp"
#include "clip/bpe_pretokenizer.hpp"
#include "clip/unicode_clean.hpp"
#include "clip/unicode_utf8.hpp"

namespace promptlab {

struct Tokenizer::Impl {
  explicit Impl(std::shared_ptr<const bpe::BpeModel> m) : model(std::move(m)) {}
  Impl(const Impl& other) : model(other.model) {}

  // Ids of one piece, memoised (pieces repeat a lot in captions).
  void encode_piece(const std::string& piece, std::vector<std::int64_t>& out) const {
    {
      std::lock_guard<std::mutex> lock(cache_mutex);
      const auto it = cache.find(piece);
      if (it != cache.end()) {
        out.insert(out.end(), it->second.begin(), it->second.end());
        return;
      }
    }
    std::vector<std::int32_t> ids;
    model->encode_piece(piece, ids);
    out.insert(out.end(), ids.begin(), ids.end());
    std::lock_guard<std::mutex> lock(cache_mutex);
    if (cache.size() >= kMaxCacheEntries) cache.clear();
    cache.emplace(piece, std::move(ids));
  }

  static constexpr std::size_t kMaxCacheEntries = 1 << 18;
  std::shared_ptr<const bpe::BpeModel> model;
  mutable std::mutex cache_mutex;
  mutable std::unordered_map<std::string, std::vector<std::int32_t>> cache;
};

Tokenizer::Tokenizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Tokenizer::Tokenizer(Tokenizer&&) noexcept = default;
Tokenizer& Tokenizer::operator=(Tokenizer&&) noexcept = default;
Tokenizer::Tokenizer(const Tokenizer& other) : impl_(std::make_unique<Impl>(*other.impl_)) {}
Tokenizer& Tokenizer::operator=(const Tokenizer& other) {
  if (this != &other) impl_ = std::make_unique<Impl>(*other.impl_);
  return *this;
}
Tokenizer::~Tokenizer() = default;

Tokenizer Tokenizer::from_file(const std::string& path, long max_merges) {
  return from_merges(bpe::read_merges(path, max_merges));
}

Tokenizer Tokenizer::from_merges(const std::vector<std::pair<std::string, std::string>>& merges) {
  return Tokenizer(std::make_unique<Impl>(std::make_shared<const bpe::BpeModel>(merges)));
}

std::vector<std::int64_t> Tokenizer::encode(const std::string& text) const {
  std::vector<std::int64_t> ids;
  for (const std::string& piece : bpe::pretokenize(text))
    impl_->encode_piece(piece, ids);
  return ids;
}

std::string Tokenizer::decode(const std::vector<std::int64_t>& ids) const {
  std::string joined;
  for (std::int64_t id : ids) joined += impl_->model->symbol(id);
  // Symbols -> bytes, then "</w>" -> " ".
  std::string bytes;
  bytes.reserve(joined.size());
  for (char32_t cp : unicode::decode_utf8(joined)) {
    const int b = bpe::unicode_to_byte(cp);
    if (b >= 0) bytes.push_back(static_cast<char>(b));
  }
  std::string text;
  text.reserve(bytes.size());
  const std::string eow = bpe::kEndOfWord;
  for (std::size_t i = 0; i < bytes.size();) {
    if (bytes.compare(i, eow.size(), eow) == 0) {
      text.push_back(' ');
      i += eow.size();
    } else {
      text.push_back(bytes[i++]);
    }
  }
  // Invalid UTF-8 (a multi-byte character cut by a merge boundary) -> U+FFFD.
  std::u32string decoded;
  std::size_t bad = 0;
  if (unicode::try_decode_utf8(text, decoded, bad)) return text;
  std::string repaired;
  std::size_t start = 0;
  while (start < text.size()) {
    std::u32string part;
    if (unicode::try_decode_utf8(text.substr(start), part, bad)) {
      repaired += text.substr(start);
      break;
    }
    repaired += text.substr(start, bad);
    unicode::append_utf8(repaired, 0xFFFD);
    std::size_t skip = 1;
    while (start + bad + skip < text.size() &&
           (static_cast<unsigned char>(text[start + bad + skip]) & 0xC0) == 0x80 && skip < 4)
      ++skip;
    start += bad + skip;
  }
  return repaired;
}

std::vector<std::int64_t> Tokenizer::tokenize(const std::string& text, std::size_t context_length,
                                              bool truncate) const {
  if (context_length < 2)
    throw TokenizerError("context length " + std::to_string(context_length) +
                         " is too small: it must hold at least <|startoftext|> and <|endoftext|>");
  std::vector<std::int64_t> ids;
  ids.reserve(context_length);
  ids.push_back(sot_id());
  const std::vector<std::int64_t> body = encode(text);
  ids.insert(ids.end(), body.begin(), body.end());
  ids.push_back(eot_id());
  if (ids.size() > context_length) {
    if (!truncate) {
      std::size_t cut = std::min<std::size_t>(text.size(), 60);
      while (cut < text.size() && cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
        --cut;
      const std::string preview = text.substr(0, cut);
      throw TokenizerError("text is " + std::to_string(ids.size()) +
                           " tokens long with <|startoftext|> and <|endoftext|>, more than the context "
                           "length " + std::to_string(context_length) + ": '" + preview +
                           (cut < text.size() ? "...'" : "'") + " (pass truncate to cut it)");
    }
    ids.resize(context_length);
    ids.back() = eot_id();
  }
  ids.resize(context_length, 0);
  return ids;
}

std::int64_t Tokenizer::sot_id() const { return impl_->model->sot(); }
std::int64_t Tokenizer::eot_id() const { return impl_->model->eot(); }
std::size_t Tokenizer::vocab_size() const { return impl_->model->size(); }

}  // namespace promptlab

#pragma once
// CLIP's byte-level BPE tokenizer (docs/protocol.md §2). No LibTorch dependency.
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "promptlab/export.hpp"

namespace promptlab {

/// Raised for invalid UTF-8, over-long text and unreadable vocabularies.
class PROMPTLAB_API TokenizerError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Byte-level BPE tokenizer reading the CLIP merges format (plain or gzip).
class PROMPTLAB_API Tokenizer {
 public:
  /// Loads merges from `path` (".gz" or plain). `max_merges` < 0 means the
  /// CLIP default (48894 for the OpenAI file, or every line for other files).
  static Tokenizer from_file(const std::string& path, long max_merges = -1);
  /// Builds from merge pairs directly (e.g. learned by learn_bpe_merges).
  static Tokenizer from_merges(const std::vector<std::pair<std::string, std::string>>& merges);

  /// Cleans and BPE-encodes text; no SOT/EOT.
  std::vector<std::int64_t> encode(const std::string& text) const;
  /// Decodes ids back to text (for display).
  std::string decode(const std::vector<std::int64_t>& ids) const;
  /// [SOT] + encode(text) + [EOT], zero-padded to context_length. Over-long text
  /// throws TokenizerError unless truncate is set (then EOT is kept last).
  std::vector<std::int64_t> tokenize(const std::string& text, std::size_t context_length = 77,
                                     bool truncate = false) const;

  std::int64_t sot_id() const;
  std::int64_t eot_id() const;
  std::size_t vocab_size() const;

  Tokenizer(Tokenizer&&) noexcept;
  Tokenizer& operator=(Tokenizer&&) noexcept;
  Tokenizer(const Tokenizer&);
  Tokenizer& operator=(const Tokenizer&);
  ~Tokenizer();

 private:
  struct Impl;
  explicit Tokenizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// Learns `num_merges` BPE merges from a corpus (cleaned and pre-tokenized the
/// same way as Tokenizer::encode), most frequent pair first, ties broken
/// deterministically.
PROMPTLAB_API std::vector<std::pair<std::string, std::string>> learn_bpe_merges(
    const std::vector<std::string>& corpus, std::size_t num_merges);

/// Writes merges in CLIP's format: a header line, then "left right" per line.
/// Gzips when `path` ends in ".gz".
PROMPTLAB_API void write_bpe_merges(const std::string& path,
                                    const std::vector<std::pair<std::string, std::string>>& merges);

}  // namespace promptlab

#pragma once
// The BPE vocabulary and merge table, and the merge loop for one word.
#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace promptlab::bpe {

/// CLIP's vocabulary layout: 256 byte symbols, the same with "</w>", one entry
/// per merge, then <|startoftext|> and <|endoftext|>.
class BpeModel {
 public:
  /// Builds the vocabulary and rank table from ordered merges.
  explicit BpeModel(const std::vector<std::pair<std::string, std::string>>& merges);

  /// Appends the ids of one pre-tokenized piece (raw UTF-8 bytes).
  void encode_piece(const std::string& piece, std::vector<std::int32_t>& out) const;
  /// Symbol string of an id (byte-to-unicode form, "</w>" kept); throws on bad ids.
  const std::string& symbol(std::int64_t id) const;

  std::int32_t sot() const { return sot_; }
  std::int32_t eot() const { return eot_; }
  std::size_t size() const { return vocab_.size(); }

 private:
  std::vector<std::string> vocab_;
  std::unordered_map<std::string, std::int32_t> encoder_;
  // (left id << 32 | right id) -> (rank, merged id)
  std::unordered_map<std::uint64_t, std::pair<std::int32_t, std::int32_t>> ranks_;
  std::int32_t byte_ids_[256] = {};
  std::int32_t byte_end_ids_[256] = {};
  std::int32_t sot_ = 0;
  std::int32_t eot_ = 0;
};

/// "<|startoftext|>" and "<|endoftext|>".
inline constexpr const char* kSotText = "<|startoftext|>";
inline constexpr const char* kEotText = "<|endoftext|>";
/// Suffix marking the last symbol of a word.
inline constexpr const char* kEndOfWord = "</w>";

}  // namespace promptlab::bpe

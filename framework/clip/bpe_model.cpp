#include "clip/bpe_model.hpp"

#include <limits>

#include "clip/bpe_bytes.hpp"
#include "promptlab/tokenizer.hpp"

namespace promptlab::bpe {
namespace {

std::uint64_t pair_key(std::int32_t a, std::int32_t b) {
  return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(a)) << 32) |
         static_cast<std::uint32_t>(b);
}

}  // namespace

BpeModel::BpeModel(const std::vector<std::pair<std::string, std::string>>& merges) {
  vocab_.reserve(512 + merges.size() + 2);
  for (unsigned char b : vocab_byte_order()) vocab_.push_back(byte_symbol(b));
  for (unsigned char b : vocab_byte_order()) vocab_.push_back(byte_symbol(b) + kEndOfWord);
  for (std::size_t r = 0; r < merges.size(); ++r) {
    if (merges[r].first.empty() || merges[r].second.empty())
      throw TokenizerError("BPE merge " + std::to_string(r) + " has an empty symbol");
    vocab_.push_back(merges[r].first + merges[r].second);
  }
  vocab_.emplace_back(kSotText);
  vocab_.emplace_back(kEotText);
  sot_ = static_cast<std::int32_t>(vocab_.size() - 2);
  eot_ = static_cast<std::int32_t>(vocab_.size() - 1);

  // Like a Python dict built from the list: a repeated string keeps its last id.
  encoder_.reserve(vocab_.size() * 2);
  for (std::size_t i = 0; i < vocab_.size(); ++i) encoder_[vocab_[i]] = static_cast<std::int32_t>(i);
  for (int b = 0; b < 256; ++b) {
    const std::string sym = byte_symbol(static_cast<unsigned char>(b));
    byte_ids_[b] = encoder_.at(sym);
    byte_end_ids_[b] = encoder_.at(sym + kEndOfWord);
  }
  ranks_.reserve(merges.size() * 2);
  for (std::size_t r = 0; r < merges.size(); ++r) {
    const auto l = encoder_.find(merges[r].first);
    const auto rt = encoder_.find(merges[r].second);
    if (l == encoder_.end() || rt == encoder_.end()) continue;  // can never apply
    const std::int32_t merged = encoder_.at(merges[r].first + merges[r].second);
    ranks_[pair_key(l->second, rt->second)] = {static_cast<std::int32_t>(r), merged};
  }
}

void BpeModel::encode_piece(const std::string& piece, std::vector<std::int32_t>& out) const {
  if (piece.empty()) return;
  if (piece == kSotText) {
    out.push_back(sot_);
    return;
  }
  if (piece == kEotText) {
    out.push_back(eot_);
    return;
  }
  std::vector<std::int32_t> word;
  word.reserve(piece.size());
  for (std::size_t i = 0; i + 1 < piece.size(); ++i)
    word.push_back(byte_ids_[static_cast<unsigned char>(piece[i])]);
  word.push_back(byte_end_ids_[static_cast<unsigned char>(piece.back())]);

  std::vector<std::int32_t> next;
  next.reserve(word.size());
  while (word.size() > 1) {
    // The adjacent pair with the lowest merge rank.
    std::int32_t best_rank = std::numeric_limits<std::int32_t>::max();
    std::int32_t first = -1, second = -1, merged = -1;
    for (std::size_t i = 0; i + 1 < word.size(); ++i) {
      const auto it = ranks_.find(pair_key(word[i], word[i + 1]));
      if (it != ranks_.end() && it->second.first < best_rank) {
        best_rank = it->second.first;
        first = word[i];
        second = word[i + 1];
        merged = it->second.second;
      }
    }
    if (merged < 0) break;
    // Merge every occurrence, left to right, without overlaps.
    next.clear();
    for (std::size_t i = 0; i < word.size();) {
      if (word[i] == first && i + 1 < word.size() && word[i + 1] == second) {
        next.push_back(merged);
        i += 2;
      } else {
        next.push_back(word[i]);
        ++i;
      }
    }
    word.swap(next);
  }
  out.insert(out.end(), word.begin(), word.end());
}

const std::string& BpeModel::symbol(std::int64_t id) const {
  if (id < 0 || id >= static_cast<std::int64_t>(vocab_.size()))
    throw TokenizerError("token id " + std::to_string(id) + " is outside the vocabulary (size " +
                         std::to_string(vocab_.size()) + ")");
  return vocab_[static_cast<std::size_t>(id)];
}

}  // namespace promptlab::bpe

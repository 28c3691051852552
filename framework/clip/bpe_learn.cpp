// learn_bpe_merges: classic BPE training on word frequencies.
#include <cstdint>
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "clip/bpe_bytes.hpp"
#include "clip/bpe_model.hpp"
#include "clip/bpe_pretokenizer.hpp"
#include "promptlab/tokenizer.hpp"

namespace promptlab {
namespace {

std::uint64_t pair_key(std::int32_t a, std::int32_t b) {
  return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(a)) << 32) |
         static_cast<std::uint32_t>(b);
}
std::int32_t key_left(std::uint64_t k) { return static_cast<std::int32_t>(k >> 32); }
std::int32_t key_right(std::uint64_t k) { return static_cast<std::int32_t>(k & 0xFFFFFFFFu); }

// State of one training run: interned symbols, words, and pair statistics.
class BpeTrainer {
 public:
  explicit BpeTrainer(const std::map<std::string, long>& word_counts) : order_(Order{this}) {
    for (const auto& [piece, count] : word_counts) {
      std::vector<std::int32_t> symbols;
      for (std::size_t i = 0; i < piece.size(); ++i) {
        std::string sym = bpe::byte_symbol(static_cast<unsigned char>(piece[i]));
        if (i + 1 == piece.size()) sym += bpe::kEndOfWord;
        symbols.push_back(intern(sym));
      }
      words_.push_back(std::move(symbols));
      freqs_.push_back(count);
    }
    for (std::size_t w = 0; w < words_.size(); ++w) add_pairs(static_cast<std::int32_t>(w), +1);
  }

  // Performs up to `n` merges, most frequent pair first.
  std::vector<std::pair<std::string, std::string>> run(std::size_t n) {
    std::vector<std::pair<std::string, std::string>> merges;
    while (merges.size() < n && !order_set_.empty()) {
      const std::uint64_t best = order_set_.begin()->second;
      const std::int32_t a = key_left(best), b = key_right(best);
      merges.emplace_back(symbols_[a], symbols_[b]);
      const std::int32_t merged = intern(symbols_[a] + symbols_[b]);
      std::vector<std::int32_t> affected = std::move(where_[best]);
      where_.erase(best);
      std::sort(affected.begin(), affected.end());
      affected.erase(std::unique(affected.begin(), affected.end()), affected.end());
      for (std::int32_t w : affected) {
        auto& word = words_[static_cast<std::size_t>(w)];
        bool present = false;
        for (std::size_t i = 0; i + 1 < word.size() && !present; ++i)
          present = word[i] == a && word[i + 1] == b;
        if (!present) continue;
        add_pairs(w, -1);
        std::vector<std::int32_t> next;
        next.reserve(word.size());
        for (std::size_t i = 0; i < word.size();) {
          if (word[i] == a && i + 1 < word.size() && word[i + 1] == b) {
            next.push_back(merged);
            i += 2;
          } else {
            next.push_back(word[i++]);
          }
        }
        word.swap(next);
        add_pairs(w, +1);
      }
    }
    return merges;
  }

 private:
  // Most frequent first; ties by left symbol, then right symbol (byte order).
  struct Order {
    const BpeTrainer* self;
    bool operator()(const std::pair<long, std::uint64_t>& x,
                    const std::pair<long, std::uint64_t>& y) const {
      if (x.first != y.first) return x.first > y.first;
      const std::string& xl = self->symbols_[key_left(x.second)];
      const std::string& yl = self->symbols_[key_left(y.second)];
      if (xl != yl) return xl < yl;
      return self->symbols_[key_right(x.second)] < self->symbols_[key_right(y.second)];
    }
  };

  std::int32_t intern(const std::string& s) {
    const auto it = ids_.find(s);
    if (it != ids_.end()) return it->second;
    const auto id = static_cast<std::int32_t>(symbols_.size());
    symbols_.push_back(s);
    ids_.emplace(s, id);
    return id;
  }

  void bump(std::uint64_t key, long delta) {
    long& count = counts_[key];
    if (count > 0) order_set_.erase({count, key});
    count += delta;
    if (count > 0) {
      order_set_.insert({count, key});
    } else {
      counts_.erase(key);
    }
  }

  void add_pairs(std::int32_t w, int sign) {
    const auto& word = words_[static_cast<std::size_t>(w)];
    const long f = freqs_[static_cast<std::size_t>(w)];
    for (std::size_t i = 0; i + 1 < word.size(); ++i) {
      const std::uint64_t key = pair_key(word[i], word[i + 1]);
      bump(key, sign * f);
      if (sign > 0) where_[key].push_back(w);
    }
  }

  std::vector<std::string> symbols_;
  std::unordered_map<std::string, std::int32_t> ids_;
  std::vector<std::vector<std::int32_t>> words_;
  std::vector<long> freqs_;
  std::unordered_map<std::uint64_t, long> counts_;
  std::unordered_map<std::uint64_t, std::vector<std::int32_t>> where_;
  Order order_;
  std::set<std::pair<long, std::uint64_t>, Order> order_set_{order_};
};

}  // namespace

std::vector<std::pair<std::string, std::string>> learn_bpe_merges(
    const std::vector<std::string>& corpus, std::size_t num_merges) {
  std::map<std::string, long> word_counts;
  for (const std::string& text : corpus)
    for (std::string& piece : bpe::pretokenize(text))
      if (piece != bpe::kSotText && piece != bpe::kEotText) ++word_counts[piece];
  BpeTrainer trainer(word_counts);
  return trainer.run(num_merges);
}

}  // namespace promptlab

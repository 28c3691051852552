// A stable content hash of CLIP weights: key names, shapes and fp32 values in key order,
// so an OpenAI archive and its promptlab re-save hash alike.
#include <sys/stat.h>

#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>
#include <stdexcept>
#include <tuple>

#include "promptlab/clip_model.hpp"

namespace promptlab {
namespace {

// Two independent 64-bit lanes of multiply-rotate mixing over 8-byte words.
class Hash128 {
 public:
  void update(const void* data, std::size_t size) {
    const auto* bytes = static_cast<const unsigned char*>(data);
    std::size_t i = 0;
    for (; i + 8 <= size; i += 8) {
      std::uint64_t word;
      std::memcpy(&word, bytes + i, 8);
      mix(word);
    }
    std::uint64_t tail = 0;
    if (size > i) std::memcpy(&tail, bytes + i, size - i);  // an empty tensor's data may be null
    mix(tail ^ (static_cast<std::uint64_t>(size - i) << 56));
    length_ += size;
  }
  std::string hex() const {
    char out[33];
    std::snprintf(out, sizeof out, "%016llx%016llx", static_cast<unsigned long long>(finish(a_ ^ length_)),
                  static_cast<unsigned long long>(finish(b_ + length_)));
    return out;
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
  static std::uint64_t finish(std::uint64_t x) {
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
  }
  void mix(std::uint64_t w) {
    a_ = rotl(a_ ^ (w * 0x9e3779b97f4a7c15ULL), 31) * 0xc2b2ae3d27d4eb4fULL;
    b_ = rotl(b_ + (w * 0x165667b19e3779f9ULL), 27) * 0x27d4eb2f165667c5ULL + 0x85ebca77c2b2ae63ULL;
  }
  std::uint64_t a_ = 0x243f6a8885a308d3ULL;
  std::uint64_t b_ = 0x13198a2e03707344ULL;
  std::uint64_t length_ = 0;
};

struct CacheEntry {
  std::int64_t mtime_ns;
  std::int64_t size;
  std::string checksum;
};

std::string hash_state(const std::map<std::string, torch::Tensor>& state) {
  Hash128 hash;
  for (const auto& [key, value] : state) {
    hash.update(key.data(), key.size() + 1);
    const torch::Tensor t = value.detach().to(torch::kCPU, torch::kFloat).contiguous();
    const std::vector<std::int64_t> shape(t.sizes().begin(), t.sizes().end());
    const std::int64_t dims = t.dim();
    hash.update(&dims, sizeof dims);
    hash.update(shape.data(), shape.size() * sizeof(std::int64_t));
    hash.update(t.data_ptr<float>(), static_cast<std::size_t>(t.numel()) * sizeof(float));
  }
  return hash.hex();
}

}  // namespace

std::string clip_checksum(const std::string& path) {
  static std::mutex mutex;
  static std::map<std::string, CacheEntry> cache;
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) throw std::runtime_error(path + ": cannot stat CLIP weights file");
  const std::int64_t mtime_ns =
      static_cast<std::int64_t>(info.st_mtim.tv_sec) * 1000000000LL + info.st_mtim.tv_nsec;
  const auto size = static_cast<std::int64_t>(info.st_size);
  {
    std::lock_guard<std::mutex> lock(mutex);
    auto it = cache.find(path);
    if (it != cache.end() && it->second.mtime_ns == mtime_ns && it->second.size == size) return it->second.checksum;
  }
  std::string checksum = hash_state(read_clip_state(path));
  std::lock_guard<std::mutex> lock(mutex);
  cache[path] = {mtime_ns, size, checksum};
  return checksum;
}

}  // namespace promptlab

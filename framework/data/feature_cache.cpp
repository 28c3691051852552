// On-disk feature cache: one file per (model, dataset content, transform, view).
#include "data/feature_cache.hpp"

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <unordered_map>

#include "data/file_dataset.hpp"
#include "util/file_lock.hpp"
#include "util/fnv1a.hpp"
#include "util/thread_share.hpp"
#include "util/temp_path.hpp"

namespace promptlab {
namespace fs = std::filesystem;

namespace {

constexpr char kMagic[8] = {'P', 'L', 'F', 'E', 'A', 'T', '0', '1'};

// Keeps [A-Za-z0-9_.-], replaces anything else by '_', so names are safe as file names.
std::string sanitize(const std::string& s) {
  std::string out;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
              c == '.';
    out += ok ? c : '_';
  }
  return out.substr(0, 64);
}

}  // namespace

// One cache file held in memory: ids, id -> row, and the [N, D] float32 features.
struct CacheEntry {
  std::vector<std::string> ids;
  std::unordered_map<std::string, std::int64_t> rows;
  torch::Tensor features;  // [N, D] float32, empty when N == 0
  std::int64_t dim = 0;
};

struct FeatureCache::State {
  std::map<std::string, CacheEntry> entries;
};

namespace {

nlohmann::json make_header(const std::string& model, const std::string& key, const std::string& transform, int view,
                           std::int64_t n, std::int64_t dim) {
  return {{"model", model}, {"content_key", key}, {"transform", transform}, {"view", view}, {"n", n}, {"dim", dim}};
}

// Reads a cache file; returns false (entry untouched) when it is absent, unreadable or made for other keys.
// Header and ids go through stdio's buffer; the features are read straight into the tensor.
bool read_entry(const std::string& path, const nlohmann::json& expect, CacheEntry& entry) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) return false;
  auto take = [&](void* dst, std::size_t n) { return n == 0 || std::fread(dst, 1, n, f.get()) == n; };
  char magic[8];
  std::uint32_t header_len = 0;
  if (!take(magic, 8) || std::memcmp(magic, kMagic, 8) != 0) return false;
  if (!take(&header_len, 4) || header_len > (1u << 20)) return false;
  std::string header_text(header_len, '\0');
  if (!take(header_text.data(), header_len)) return false;
  nlohmann::json header = nlohmann::json::parse(header_text, nullptr, false);
  if (header.is_discarded() || !header.is_object()) return false;
  for (const char* k : {"model", "content_key", "transform", "view"}) {
    if (!header.contains(k) || header[k] != expect[k]) return false;
  }
  const auto n = header.value("n", std::int64_t{-1});
  const auto dim = header.value("dim", std::int64_t{-1});
  if (n < 0 || dim < 0) return false;
  CacheEntry loaded;
  loaded.dim = dim;
  loaded.ids.reserve(static_cast<std::size_t>(n));
  loaded.rows.reserve(static_cast<std::size_t>(n) * 2);
  for (std::int64_t i = 0; i < n; ++i) {
    std::uint32_t len = 0;
    if (!take(&len, 4) || len > (1u << 16)) return false;
    std::string id(len, '\0');
    if (!take(id.data(), len)) return false;
    loaded.rows.emplace(id, i);
    loaded.ids.push_back(std::move(id));
  }
  loaded.features = torch::empty({n, dim}, torch::kFloat32);
  const auto bytes = static_cast<std::size_t>(n * dim) * sizeof(float);
  if (!take(loaded.features.data_ptr<float>(), bytes)) return false;
  char extra;
  if (std::fread(&extra, 1, 1, f.get()) != 0) return false;  // trailing bytes: not a file we wrote
  entry = std::move(loaded);
  return true;
}

// Writes the whole entry to a temp file beside `path`, then renames it over `path`.
void write_entry(const std::string& path, const nlohmann::json& header, const CacheEntry& entry) {
  fs::create_directories(fs::path(path).parent_path());
  const std::string tmp = temp_path_beside(path);
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error("feature cache: cannot write " + tmp);
    const std::string header_text = header.dump();
    const auto header_len = static_cast<std::uint32_t>(header_text.size());
    out.write(kMagic, 8);
    out.write(reinterpret_cast<const char*>(&header_len), 4);
    out.write(header_text.data(), static_cast<std::streamsize>(header_text.size()));
    for (const auto& id : entry.ids) {
      const auto len = static_cast<std::uint32_t>(id.size());
      out.write(reinterpret_cast<const char*>(&len), 4);
      out.write(id.data(), static_cast<std::streamsize>(id.size()));
    }
    if (entry.features.defined() && entry.features.numel() > 0) {
      out.write(reinterpret_cast<const char*>(entry.features.data_ptr<float>()),
                static_cast<std::streamsize>(entry.features.numel() * static_cast<std::int64_t>(sizeof(float))));
    }
    if (!out) throw std::runtime_error("feature cache: write failed for " + tmp);
  }
  fs::rename(tmp, path);
}

}  // namespace

FeatureCache::FeatureCache(std::string dir, std::string model_checksum, bool enabled)
    : dir_(std::move(dir)), model_checksum_(std::move(model_checksum)), enabled_(enabled),
      state_(std::make_shared<State>()) {}

std::string FeatureCache::file_path(const Dataset& d, const std::string& transform, int view) const {
  const std::string key = d.content_key();
  return (fs::path(dir_) / (sanitize(model_checksum_.substr(0, 16)) + "-" + hex64(fnv1a64(model_checksum_))) /
          (sanitize(d.name()) + "-" + hex64(fnv1a64(key))) /
          (sanitize(transform) + "-" + hex64(fnv1a64(transform)).substr(0, 8) + "-v" + std::to_string(view) + ".feat"))
      .string();
}

torch::Tensor FeatureCache::get_or_compute(const Dataset& d, const std::vector<DataItem>& items,
                                           const std::string& transform, int view,
                                           const std::function<torch::Tensor(const std::vector<std::size_t>&)>& compute) {
  const std::string path = file_path(d, transform, view);
  const std::string key = d.content_key();
  // A disabled cache works on an empty entry of its own: every item is missing (each distinct id
  // computed once, as a cold cache would), and no file is read or written.
  CacheEntry uncached;
  CacheEntry* cached = &uncached;
  if (enabled_) {
    auto found = state_->entries.find(path);
    if (found == state_->entries.end()) {
      CacheEntry loaded;
      read_entry(path, make_header(model_checksum_, key, transform, view, 0, 0), loaded);
      found = state_->entries.emplace(path, std::move(loaded)).first;
    }
    cached = &found->second;
  }
  CacheEntry& entry = *cached;

  // Rows of cached items; the first index of each missing id goes to compute().
  std::vector<std::int64_t> rows;
  std::vector<std::size_t> missing;
  std::unordered_map<std::string, std::size_t> missing_pos;
  const auto look_up = [&] {
    rows.assign(items.size(), -1);
    missing.clear();
    missing_pos.clear();
    for (std::size_t i = 0; i < items.size(); ++i) {
      auto it = entry.rows.find(items[i].id);
      if (it != entry.rows.end()) {
        rows[i] = it->second;
      } else if (missing_pos.emplace(items[i].id, missing.size()).second) {
        missing.push_back(i);
      }
    }
  };
  look_up();

  std::unique_ptr<FileLock> turn;
  if (enabled_ && !missing.empty()) {
    // Concurrent runs on one store share this folder: they take turns at an entry, and each reads
    // what the others wrote before computing, so an (image, view) is encoded once. A run waiting
    // for its turn leaves the host's thread share, so the one computing gets the cores.
    fs::create_directories(fs::path(path).parent_path());
    std::unique_ptr<ThreadShareAbsence> away;
    turn = std::make_unique<FileLock>(path + ".lock", [&] { away = std::make_unique<ThreadShareAbsence>(); });
    away.reset();
    CacheEntry on_disk;
    if (read_entry(path, make_header(model_checksum_, key, transform, view, 0, 0), on_disk) &&
        on_disk.ids.size() > entry.ids.size()) {
      entry = std::move(on_disk);
      look_up();
    }
  }
  for (std::size_t i = 0; i < items.size(); ++i) hits_ += rows[i] >= 0 ? 1 : 0;

  if (!missing.empty()) {
    torch::Tensor fresh = compute(missing);
    if (!fresh.defined() || fresh.dim() != 2 || fresh.size(0) != static_cast<std::int64_t>(missing.size())) {
      throw std::runtime_error("feature cache: compute() for " + d.name() + " must return [" +
                               std::to_string(missing.size()) + ", embed] features");
    }
    fresh = fresh.detach().to(torch::kCPU, torch::kFloat32).contiguous();
    if (entry.ids.empty()) {
      entry.dim = fresh.size(1);
      entry.features = fresh;
    } else {
      if (fresh.size(1) != entry.dim) {
        throw std::runtime_error("feature cache: compute() returned " + std::to_string(fresh.size(1)) +
                                 "-dim features but " + path + " holds " + std::to_string(entry.dim));
      }
      entry.features = torch::cat({entry.features, fresh}, 0);
    }
    const auto base = static_cast<std::int64_t>(entry.ids.size());
    for (std::size_t j = 0; j < missing.size(); ++j) {
      const std::string& id = items[missing[j]].id;
      entry.ids.push_back(id);
      entry.rows.emplace(id, base + static_cast<std::int64_t>(j));
    }
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (rows[i] < 0) rows[i] = base + static_cast<std::int64_t>(missing_pos.at(items[i].id));
    }
    misses_ += missing.size();
    if (enabled_) {
      write_entry(path,
                  make_header(model_checksum_, key, transform, view, static_cast<std::int64_t>(entry.ids.size()),
                              entry.dim),
                  entry);
    }
  }
  if (items.empty()) return torch::empty({0, entry.dim}, torch::kFloat32);
  bool identity = rows.size() == entry.ids.size();
  for (std::size_t i = 0; identity && i < rows.size(); ++i) identity = rows[i] == static_cast<std::int64_t>(i);
  if (identity) return entry.features.clone();
  auto index = torch::from_blob(rows.data(), {static_cast<std::int64_t>(rows.size())}, torch::kInt64).clone();
  return entry.features.index_select(0, index);
}

}  // namespace promptlab

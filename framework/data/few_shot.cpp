// Few-shot sampling and its JSON record.
#include "data/few_shot.hpp"

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <unordered_map>
#include <unistd.h>
#include <algorithm>

#include "util/rng.hpp"
#include "util/temp_path.hpp"

namespace promptlab {
namespace fs = std::filesystem;

namespace {

// Stream ids so that train and val draws never share a generator.
constexpr std::uint64_t kTrainStream = 0x747261696eull;  // "train"
constexpr std::uint64_t kValStream = 0x76616cull;        // "val"

// Per class (in label order): `k` items drawn without replacement, all if fewer (with a warning).
std::vector<DataItem> sample_per_class(const Dataset& d, const std::vector<DataItem>& items, int k,
                                       std::uint64_t seed, std::uint64_t stream, const std::string& split_name,
                                       std::vector<std::string>& warnings) {
  const auto classnames = d.classnames();
  std::vector<std::vector<std::size_t>> by_label(classnames.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    auto label = items[i].label;
    if (label < 0 || static_cast<std::size_t>(label) >= by_label.size()) {
      throw std::runtime_error("dataset " + d.name() + ": " + split_name + " item " + items[i].id + " has label " +
                               std::to_string(label) + " outside 0.." + std::to_string(by_label.size() - 1));
    }
    by_label[static_cast<std::size_t>(label)].push_back(i);
  }
  std::vector<DataItem> out;
  for (std::size_t label = 0; label < by_label.size(); ++label) {
    auto& pool = by_label[label];
    if (k <= 0) {
      for (auto i : pool) out.push_back(items[i]);
      continue;
    }
    const auto want = static_cast<std::size_t>(k);
    if (pool.size() < want) {
      warnings.push_back("dataset " + d.name() + ": class " + std::to_string(label) + " '" + classnames[label] +
                         "' has " + std::to_string(pool.size()) + " " + split_name + " items, fewer than " +
                         std::to_string(want) + "; using all of them");
      for (auto i : pool) out.push_back(items[i]);
      continue;
    }
    // Partial Fisher-Yates: the first `want` positions become a uniform draw without replacement.
    Rng rng(mix_seed(mix_seed(seed, stream), label));
    for (std::size_t j = 0; j < want; ++j) {
      std::size_t r = j + rng.below(static_cast<std::uint32_t>(pool.size() - j));
      std::swap(pool[j], pool[r]);
      out.push_back(items[pool[j]]);
    }
  }
  return out;
}

nlohmann::json items_to_json(const std::vector<DataItem>& items) {
  auto arr = nlohmann::json::array();
  for (const auto& it : items) arr.push_back({{"id", it.id}, {"label", it.label}, {"classname", it.classname}});
  return arr;
}

std::vector<DataItem> items_from_json(const nlohmann::json& arr, const std::string& key, const std::string& path,
                                      const std::unordered_map<std::string, std::int64_t>& known,
                                      const std::vector<std::string>& classnames) {
  if (!arr.is_array()) throw std::runtime_error("few-shot split " + path + ": \"" + key + "\" must be a list");
  std::vector<DataItem> out;
  std::size_t index = 0;
  for (const auto& e : arr) {
    std::string where = key + "[" + std::to_string(index++) + "]";
    if (!e.is_object() || !e.contains("id") || !e.contains("label") || !e["id"].is_string() ||
        !e["label"].is_number_integer()) {
      throw std::runtime_error("few-shot split " + path + ": entry " + where + " needs \"id\" and \"label\"");
    }
    DataItem item{e["id"].get<std::string>(), e["label"].get<std::int64_t>(), ""};
    auto it = known.find(item.id);
    if (it == known.end()) {
      throw std::runtime_error("few-shot split " + path + ": entry " + where + " names " + item.id +
                               ", which the dataset no longer has in its " + key +
                               " split (delete the file to resample)");
    }
    if (it->second != item.label) {
      throw std::runtime_error("few-shot split " + path + ": entry " + where + " gives label " +
                               std::to_string(item.label) + " for " + item.id + " but the dataset says " +
                               std::to_string(it->second) + " (delete the file to resample)");
    }
    item.classname = classnames[static_cast<std::size_t>(item.label)];
    out.push_back(std::move(item));
  }
  return out;
}

std::unordered_map<std::string, std::int64_t> label_map(const std::vector<DataItem>& items) {
  std::unordered_map<std::string, std::int64_t> m;
  m.reserve(items.size() * 2);
  for (const auto& it : items) m.emplace(it.id, it.label);
  return m;
}

// Pretty JSON with one item per line, so the file reads well by hand.
std::string to_readable_json(const nlohmann::json& doc) {
  std::string out = "{\n";
  bool first = true;
  for (auto it = doc.begin(); it != doc.end(); ++it) {
    if (!first) out += ",\n";
    first = false;
    out += "  " + nlohmann::json(it.key()).dump() + ": ";
    const auto& v = it.value();
    if (v.is_array() && !v.empty()) {
      out += "[\n";
      for (std::size_t i = 0; i < v.size(); ++i) out += "    " + v[i].dump() + (i + 1 < v.size() ? ",\n" : "\n");
      out += "  ]";
    } else {
      out += v.dump();
    }
  }
  return out + "\n}";
}

}  // namespace

FewShotSplit sample_few_shot(const Dataset& d, int shots, std::uint64_t seed) {
  FewShotSplit split;
  split.train = sample_per_class(d, d.items(Split::kTrain), shots, seed, kTrainStream, "train", split.warnings);
  int val_shots = shots <= 0 ? 0 : std::min(shots, 4);
  split.val = sample_per_class(d, d.items(Split::kVal), val_shots, seed, kValStream, "val", split.warnings);
  return split;
}

std::string few_shot_split_path(const Dataset& d, int shots, std::uint64_t seed, const std::string& dir) {
  return (fs::path(dir) / d.name() / ("shot_" + std::to_string(shots) + "-seed_" + std::to_string(seed) + ".json"))
      .string();
}

FewShotSplit load_or_sample_few_shot(const Dataset& d, int shots, std::uint64_t seed, const std::string& dir) {
  const std::string path = few_shot_split_path(d, shots, seed, dir);
  const auto classnames = d.classnames();
  if (fs::exists(path)) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("few-shot split " + path + ": cannot be read");
    std::ostringstream ss;
    ss << in.rdbuf();
    nlohmann::json doc;
    try {
      doc = nlohmann::json::parse(ss.str());
    } catch (const nlohmann::json::parse_error& e) {
      throw std::runtime_error("few-shot split " + path + ": malformed JSON at byte " + std::to_string(e.byte) + ": " +
                               e.what());
    }
    if (!doc.is_object()) throw std::runtime_error("few-shot split " + path + ": expected a JSON object");
    if (doc.value("dataset", std::string()) != d.name()) {
      throw std::runtime_error("few-shot split " + path + ": written for dataset '" +
                               doc.value("dataset", std::string()) + "', not '" + d.name() + "'");
    }
    if (doc.value("shots", -1) != shots || doc.value("seed", std::uint64_t{0}) != seed) {
      throw std::runtime_error("few-shot split " + path + ": its shots/seed do not match " + std::to_string(shots) +
                               "/" + std::to_string(seed));
    }
    if (doc.contains("classnames") && doc["classnames"] != nlohmann::json(classnames)) {
      throw std::runtime_error("few-shot split " + path +
                               ": its class names differ from the dataset's (delete the file to resample)");
    }
    FewShotSplit split;
    split.train = items_from_json(doc.value("train", nlohmann::json()), "train", path,
                                  label_map(d.items(Split::kTrain)), classnames);
    split.val = items_from_json(doc.value("val", nlohmann::json()), "val", path, label_map(d.items(Split::kVal)),
                                classnames);
    if (doc.contains("warnings") && doc["warnings"].is_array()) {
      for (const auto& w : doc["warnings"]) {
        if (w.is_string()) split.warnings.push_back(w.get<std::string>());
      }
    }
    return split;
  }
  FewShotSplit split = sample_few_shot(d, shots, seed);
  nlohmann::json doc = {{"dataset", d.name()},
                        {"content_key", d.content_key()},
                        {"shots", shots},
                        {"seed", seed},
                        {"classnames", classnames},
                        {"warnings", split.warnings},
                        {"train", items_to_json(split.train)},
                        {"val", items_to_json(split.val)}};
  fs::create_directories(fs::path(path).parent_path());
  const std::string tmp = temp_path_beside(path);
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error("few-shot split " + path + ": cannot write " + tmp);
    out << to_readable_json(doc) << "\n";
    if (!out) throw std::runtime_error("few-shot split " + path + ": write failed for " + tmp);
  }
  fs::rename(tmp, path);
  return split;
}

}  // namespace promptlab

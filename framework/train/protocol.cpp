#include "train/protocol.hpp"

#include <toml++/toml.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <algorithm>
#include <stdexcept>

#include "train/resources.hpp"
#include "util/fnv1a.hpp"

namespace fs = std::filesystem;

namespace promptlab {

Config Protocol::for_method(const std::string& method, std::int64_t n) const {
  Config out = defaults;
  if (n <= 0) n = shots.front();
  out.set("data.shots", n);
  if (auto it = by_shots.find(n); it != by_shots.end()) out.merge(it->second);
  if (auto it = methods.find(method); it != methods.end()) out.merge(it->second);
  return out;
}

std::string content_hash(const std::string& text) {
  return hex64(fnv1a64(text));
}

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read protocol file '" + path + "'");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string resolve_protocol_path(const std::string& name_or_path) {
  if (name_or_path.find('/') != std::string::npos || name_or_path.size() > 5 &&
      name_or_path.compare(name_or_path.size() - 5, 5, ".toml") == 0) {
    if (!fs::exists(name_or_path)) throw std::runtime_error("protocol file '" + name_or_path + "' does not exist");
    return name_or_path;
  }
  for (const auto& dir : resource_dirs("protocols")) {
    fs::path candidate = fs::path(dir) / (name_or_path + ".toml");
    if (fs::exists(candidate)) return candidate.string();
  }
  std::string known;
  for (const auto& n : available_protocols()) known += (known.empty() ? "" : ", ") + n;
  throw std::invalid_argument("unknown protocol '" + name_or_path + "'; available: " + known);
}

template <typename T>
std::vector<T> read_array(const toml::table& table, const std::string& key, const std::string& path) {
  std::vector<T> out;
  const toml::node* node = table.get(key);
  if (!node) return out;
  const toml::array* arr = node->as_array();
  if (!arr) throw std::runtime_error(path + ": key 'protocol." + key + "' must be an array");
  for (const auto& el : *arr) {
    auto v = el.value<T>();
    if (!v) throw std::runtime_error(path + ": key 'protocol." + key + "' has an element of the wrong type");
    out.push_back(*v);
  }
  return out;
}

}  // namespace

Protocol load_protocol(const std::string& name_or_path) {
  Protocol p;
  p.path = resolve_protocol_path(name_or_path);
  const std::string text = read_file(p.path);
  p.hash = content_hash(text);
  toml::table doc;
  try {
    doc = toml::parse(text, p.path);
  } catch (const toml::parse_error& e) {
    std::ostringstream msg;
    msg << p.path << ":" << e.source().begin.line << ": " << e.description();
    throw std::runtime_error(msg.str());
  }
  const toml::table* head = doc["protocol"].as_table();
  if (!head) throw std::runtime_error(p.path + ": missing [protocol] table");
  p.name = (*head)["name"].value_or(fs::path(p.path).stem().string());
  p.version = (*head)["version"].value_or<std::int64_t>(1);
  if (const toml::node* shots = head->get("shots"); shots && shots->is_array()) {
    p.shots = read_array<std::int64_t>(*head, "shots", p.path);
  } else if (shots) {
    const auto value = shots->value<std::int64_t>();
    if (!value) throw std::runtime_error(p.path + ": key 'protocol.shots' must be an integer or an array of integers");
    p.shots = {*value};
  }
  for (auto n : p.shots) {
    if (n < 1) throw std::runtime_error(p.path + ": key 'protocol.shots' holds " + std::to_string(n) + ", expected >= 1");
  }
  if (p.shots.empty()) throw std::runtime_error(p.path + ": key 'protocol.shots' is an empty array");
  p.subsample = (*head)["subsample"].value_or<std::string>("base2new");
  if (p.subsample != "base2new" && p.subsample != "all")
    throw std::runtime_error(p.path + ": protocol.subsample must be \"base2new\" or \"all\", got \"" + p.subsample + "\"");
  p.seeds = read_array<std::int64_t>(*head, "seeds", p.path);
  if (p.seeds.empty()) p.seeds = {1, 2, 3};
  p.datasets = read_array<std::string>(*head, "datasets", p.path);
  p.targets = read_array<std::string>(*head, "targets", p.path);
  if (!p.targets.empty() && p.subsample != "all")
    throw std::runtime_error(p.path + ": key 'protocol.targets' needs subsample = \"all\" (transfer trains on every class)");
  if (doc.contains("defaults")) p.defaults = Config::from_toml_string(text, p.path, "defaults");
  if (const toml::table* methods = doc["methods"].as_table()) {
    for (const auto& [key, node] : *methods) {
      const std::string method(key.str());
      p.methods[method] = Config::from_toml_string(text, p.path, "methods." + method);
    }
  }
  if (const toml::table* by_shots = doc["shots"].as_table()) {
    for (const auto& [key, node] : *by_shots) {
      const std::string name(key.str());
      std::size_t used = 0;
      std::int64_t n = 0;
      try {
        n = std::stoll(name, &used);
      } catch (const std::exception&) {
      }
      if (used != name.size() || std::find(p.shots.begin(), p.shots.end(), n) == p.shots.end()) {
        throw std::runtime_error(p.path + ": table [shots." + text + "] names no shot count of protocol.shots");
      }
      p.by_shots[n] = Config::from_toml_string(text, p.path, "shots." + name);
    }
  }
  return p;
}

std::vector<std::string> available_protocols() {
  std::vector<std::string> names;
  for (const auto& dir : resource_dirs("protocols")) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      if (entry.path().extension() == ".toml") {
        std::string n = entry.path().stem().string();
        if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
      }
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace promptlab

// Reading plugin.toml and checking it against what a plugin registered.
#include "registry/manifest.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

namespace promptlab {
namespace {

std::string line_of(const std::string& source, const toml::node& node) {
  return source + ":" + std::to_string(node.source().begin.line);
}

std::string read_string(const toml::table& t, const std::string& key, const std::string& source,
                        bool required) {
  const toml::node* node = t.get(key);
  if (!node) {
    if (required) throw ConfigError(source + ": plugin manifest lacks '" + key + "'");
    return "";
  }
  if (auto s = node->as_string()) return s->get();
  throw ConfigError(line_of(source, *node) + ": plugin manifest key '" + key + "' must be a string");
}

std::vector<std::string> read_list(const toml::table* provides, const std::string& key,
                                   const std::string& source) {
  std::vector<std::string> out;
  if (!provides) return out;
  const toml::node* node = provides->get(key);
  if (!node) return out;
  const toml::array* arr = node->as_array();
  if (!arr) {
    throw ConfigError(line_of(source, *node) + ": 'provides." + key + "' must be an array of strings");
  }
  for (const auto& item : *arr) {
    auto s = item.as_string();
    if (!s) {
      throw ConfigError(line_of(source, item) + ": 'provides." + key + "' must hold only strings");
    }
    out.push_back(s->get());
  }
  return out;
}

std::string diff(const std::string& kind, std::vector<std::string> declared,
                 std::vector<std::string> registered) {
  std::sort(declared.begin(), declared.end());
  std::sort(registered.begin(), registered.end());
  std::vector<std::string> missing, extra;
  std::set_difference(declared.begin(), declared.end(), registered.begin(), registered.end(),
                      std::back_inserter(missing));
  std::set_difference(registered.begin(), registered.end(), declared.begin(), declared.end(),
                      std::back_inserter(extra));
  std::string out;
  auto join = [](const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "'" : ", '") + x + "'";
    return s;
  };
  if (!missing.empty()) out += "declares " + kind + " " + join(missing) + " but did not register it; ";
  if (!extra.empty()) out += "registered " + kind + " " + join(extra) + " not declared in [provides]; ";
  return out;
}

}  // namespace

PluginManifest parse_manifest(const std::string& toml_text, const std::string& source) {
  toml::table root;
  try {
    root = toml::parse(toml_text, source);
  } catch (const toml::parse_error& e) {
    throw ConfigError(source + ":" + std::to_string(e.source().begin.line) + ":" +
                      std::to_string(e.source().begin.column) +
                      ": invalid TOML: " + std::string(e.description()));
  }
  PluginManifest m;
  m.path = source;
  m.name = read_string(root, "name", source, true);
  m.version = read_string(root, "version", source, true);
  m.description = read_string(root, "description", source, false);
  m.paper = read_string(root, "paper", source, false);
  const toml::table* provides = nullptr;
  if (const toml::node* node = root.get("provides")) {
    provides = node->as_table();
    if (!provides) throw ConfigError(line_of(source, *node) + ": 'provides' must be a table");
  }
  m.learners = read_list(provides, "learners", source);
  m.step_rules = read_list(provides, "step_rules", source);
  m.methods = read_list(provides, "methods", source);
  m.datasets = read_list(provides, "datasets", source);
  if (const toml::node* node = root.get("methods")) {
    const toml::table* methods = node->as_table();
    if (!methods) throw ConfigError(line_of(source, *node) + ": 'methods' must be a table");
    for (const auto& [key, value] : *methods) {
      const std::string name(key.str());
      if (std::find(m.methods.begin(), m.methods.end(), name) == m.methods.end()) {
        throw ConfigError(line_of(source, value) + ": [methods." + name +
                          "] names a method not listed in provides.methods");
      }
      if (!value.is_table()) {
        throw ConfigError(line_of(source, value) + ": 'methods." + name + "' must be a table");
      }
      if (name.find('.') != std::string::npos) {
        throw ConfigError(line_of(source, value) + ": method name '" + name + "' must not contain '.'");
      }
      m.method_defaults[name] = Config::from_toml_string(toml_text, source, "methods." + name);
    }
  }
  return m;
}

PluginManifest read_manifest(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError("cannot read plugin manifest '" + path + "'");
  std::stringstream buf;
  buf << in.rdbuf();
  return parse_manifest(buf.str(), path);
}

std::string compare_with_manifest(const PluginManifest& manifest, const Registered& registered) {
  std::string out = diff("learner", manifest.learners, registered.learners) +
                    diff("step rule", manifest.step_rules, registered.step_rules) +
                    diff("method", manifest.methods, registered.methods) +
                    diff("dataset", manifest.datasets, registered.datasets);
  if (out.size() >= 2) out.resize(out.size() - 2);
  return out;
}

}  // namespace promptlab

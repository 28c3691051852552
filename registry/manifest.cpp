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

std::vector<std::string> read_list(const toml::table* table, const std::string& table_name, const std::string& key,
                                   const std::string& source) {
  std::vector<std::string> out;
  if (!table) return out;
  const toml::node* node = table->get(key);
  if (!node) return out;
  const std::string full = table_name + "." + key;
  const toml::array* arr = node->as_array();
  if (!arr) {
    throw ConfigError(line_of(source, *node) + ": '" + full + "' must be an array of strings");
  }
  for (const auto& item : *arr) {
    auto s = item.as_string();
    if (!s) {
      throw ConfigError(line_of(source, item) + ": '" + full + "' must hold only strings");
    }
    out.push_back(s->get());
  }
  return out;
}

// The table `name` of the manifest (nullptr when absent); only `keys` may appear in it.
const toml::table* read_table(const toml::table& root, const std::string& name, const std::vector<std::string>& keys,
                              const std::string& source) {
  const toml::node* node = root.get(name);
  if (!node) return nullptr;
  const toml::table* table = node->as_table();
  if (!table) throw ConfigError(line_of(source, *node) + ": '" + name + "' must be a table");
  for (const auto& [key, value] : *table) {
    if (std::find(keys.begin(), keys.end(), std::string(key.str())) == keys.end()) {
      std::string valid;
      for (const auto& k : keys) valid += (valid.empty() ? "" : ", ") + k;
      throw ConfigError(line_of(source, value) + ": unknown key '" + name + "." + std::string(key.str()) +
                        "' (valid: " + valid + ")");
    }
  }
  return table;
}

bool listed(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
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
  const toml::table* provides =
      read_table(root, "provides", {"learners", "step_rules", "methods", "datasets"}, source);
  m.learners = read_list(provides, "provides", "learners", source);
  m.step_rules = read_list(provides, "provides", "step_rules", source);
  m.methods = read_list(provides, "provides", "methods", source);
  m.datasets = read_list(provides, "provides", "datasets", source);
  const toml::table* requires_table = read_table(root, "requires", {"learners", "step_rules"}, source);
  m.required_learners = read_list(requires_table, "requires", "learners", source);
  m.required_step_rules = read_list(requires_table, "requires", "step_rules", source);
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

std::string compare_with_manifest(const PluginManifest& manifest, const Registered& registered,
                                  const Registered& builtin) {
  std::string out = diff("learner", manifest.learners, registered.learners) +
                    diff("step rule", manifest.step_rules, registered.step_rules) +
                    diff("method", manifest.methods, registered.methods) +
                    diff("dataset", manifest.datasets, registered.datasets);
  for (const MethodSpec& spec : registered.method_specs) {
    if (!listed(manifest.learners, spec.learner) && !listed(manifest.required_learners, spec.learner) &&
        !listed(builtin.learners, spec.learner)) {
      out += "method '" + spec.name + "' binds learner '" + spec.learner +
             "', which it neither provides nor lists in [requires].learners; ";
    }
    if (spec.step_rule != kPlainStepRule && !listed(manifest.step_rules, spec.step_rule) &&
        !listed(manifest.required_step_rules, spec.step_rule) && !listed(builtin.step_rules, spec.step_rule)) {
      out += "method '" + spec.name + "' binds step rule '" + spec.step_rule +
             "', which it neither provides nor lists in [requires].step_rules; ";
    }
  }
  if (out.size() >= 2) out.resize(out.size() - 2);
  return out;
}

}  // namespace promptlab

// Config: a flat map of dotted keys to typed values, read from TOML and `key=value` text.
//
// TOML flattening: nested tables become dotted keys ([optim] lr = 0.002 -> "optim.lr"),
// quoted dotted keys are kept as written ("gcsam.rho" = 0.1 -> "gcsam.rho"). Integers stay
// int64, floats double, booleans bool, strings string. Arrays of scalars are stored as their
// canonical text (`[1, 2, 3]`, `["a", "b"]`); arrays holding tables or arrays, and
// dates/times, are rejected with an error naming the key.
#include "promptlab/config.hpp"

#include <nlohmann/json.hpp>
#include <toml++/toml.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>

namespace promptlab {
namespace {

const char* type_name(const ConfigValue& v) {
  switch (v.index()) {
    case 0: return "bool";
    case 1: return "integer";
    case 2: return "double";
    default: return "string";
  }
}

std::string quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default: out += c;
    }
  }
  return out + "\"";
}

// Shortest text that reads back as exactly the same double; always looks like a float.
std::string format_double(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  char buf[64];
  for (int prec = 1; prec <= 17; ++prec) {
    std::snprintf(buf, sizeof buf, "%.*g", prec, d);
    if (std::strtod(buf, nullptr) == d) break;
  }
  std::string s = buf;
  if (s.find_first_of(".eE") == std::string::npos) s += ".0";
  return s;
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

[[noreturn]] void wrong_type(const std::string& key, const char* wanted, const ConfigValue& got) {
  throw ConfigError("config key '" + key + "': expected " + wanted + ", got " + type_name(got) +
                    " " + to_string(got));
}

std::string where(const std::string& source, const toml::node& node) {
  const auto& pos = node.source().begin;
  return source + ":" + std::to_string(pos.line);
}

std::string scalar_text(const toml::node& node, const std::string& key, const std::string& source);

std::string array_text(const toml::array& arr, const std::string& key, const std::string& source) {
  std::string out = "[";
  bool first = true;
  for (const auto& item : arr) {
    if (!first) out += ", ";
    first = false;
    out += scalar_text(item, key, source);
  }
  return out + "]";
}

std::string scalar_text(const toml::node& node, const std::string& key, const std::string& source) {
  if (auto v = node.as_boolean()) return v->get() ? "true" : "false";
  if (auto v = node.as_integer()) return std::to_string(v->get());
  if (auto v = node.as_floating_point()) return format_double(v->get());
  if (auto v = node.as_string()) return quote(v->get());
  throw ConfigError(where(source, node) + ": config key '" + key +
                    "': arrays may hold only booleans, numbers and strings");
}

void flatten(const toml::table& table, const std::string& prefix, const std::string& source,
             Config& out) {
  for (const auto& [k, node] : table) {
    const std::string key = prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
    ConfigValue value;
    if (auto t = node.as_table()) {
      flatten(*t, key, source, out);
      continue;
    } else if (auto v = node.as_boolean()) {
      value = v->get();
    } else if (auto v = node.as_integer()) {
      value = static_cast<std::int64_t>(v->get());
    } else if (auto v = node.as_floating_point()) {
      value = v->get();
    } else if (auto v = node.as_string()) {
      value = v->get();
    } else if (auto v = node.as_array()) {
      value = array_text(*v, key, source);
    } else {
      throw ConfigError(where(source, node) + ": config key '" + key +
                        "': unsupported value type (dates and times are not supported)");
    }
    if (out.has(key)) {
      throw ConfigError(where(source, node) + ": config key '" + key + "' is defined twice");
    }
    out.set(key, std::move(value));
  }
}

}  // namespace

std::string to_string(const ConfigValue& value) {
  switch (value.index()) {
    case 0: return std::get<bool>(value) ? "true" : "false";
    case 1: return std::to_string(std::get<std::int64_t>(value));
    case 2: return format_double(std::get<double>(value));
    default: return std::get<std::string>(value);
  }
}

void Config::set(const std::string& key, ConfigValue value) {
  if (key.empty()) throw ConfigError("config key must not be empty");
  values_[key] = std::move(value);
}

bool Config::has(const std::string& key) const { return values_.count(key) > 0; }

namespace {
const ConfigValue& lookup(const std::map<std::string, ConfigValue>& values, const std::string& key) {
  auto it = values.find(key);
  if (it == values.end()) throw ConfigError("config key '" + key + "' is missing");
  return it->second;
}
}  // namespace

bool Config::get_bool(const std::string& key) const {
  const auto& v = lookup(values_, key);
  if (auto p = std::get_if<bool>(&v)) return *p;
  wrong_type(key, "a bool", v);
}

std::int64_t Config::get_int(const std::string& key) const {
  const auto& v = lookup(values_, key);
  if (auto p = std::get_if<std::int64_t>(&v)) return *p;
  wrong_type(key, "an integer", v);
}

double Config::get_double(const std::string& key) const {
  const auto& v = lookup(values_, key);
  if (auto p = std::get_if<double>(&v)) return *p;
  if (auto p = std::get_if<std::int64_t>(&v)) return static_cast<double>(*p);
  wrong_type(key, "a number", v);
}

std::string Config::get_string(const std::string& key) const {
  const auto& v = lookup(values_, key);
  if (auto p = std::get_if<std::string>(&v)) return *p;
  wrong_type(key, "a string", v);
}

bool Config::get_bool(const std::string& key, bool fallback) const {
  return has(key) ? get_bool(key) : fallback;
}
std::int64_t Config::get_int(const std::string& key, std::int64_t fallback) const {
  return has(key) ? get_int(key) : fallback;
}
double Config::get_double(const std::string& key, double fallback) const {
  return has(key) ? get_double(key) : fallback;
}
std::string Config::get_string(const std::string& key, const std::string& fallback) const {
  return has(key) ? get_string(key) : fallback;
}

void Config::merge(const Config& other) {
  for (const auto& [k, v] : other.values_) values_[k] = v;
}

std::vector<std::string> Config::keys_with_prefix(const std::string& prefix) const {
  std::vector<std::string> out;
  for (auto it = values_.lower_bound(prefix); it != values_.end(); ++it) {
    if (it->first.compare(0, prefix.size(), prefix) != 0) break;
    out.push_back(it->first);
  }
  return out;
}

std::string Config::to_string() const {
  std::string out;
  for (const auto& [k, v] : values_) {
    out += k;
    out += " = ";
    out += std::holds_alternative<std::string>(v) ? quote(std::get<std::string>(v))
                                                   : promptlab::to_string(v);
    out += "\n";
  }
  return out;
}

std::string Config::to_json() const {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  for (const auto& [k, v] : values_) {
    std::visit([&, key = k](const auto& x) { j[key] = x; }, v);
  }
  return j.dump();
}

Config Config::from_json(const std::string& json_text, const std::string& source) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(json_text);
  } catch (const nlohmann::json::parse_error& e) {
    throw ConfigError(source + ": malformed config JSON at byte " + std::to_string(e.byte));
  }
  if (!j.is_object()) throw ConfigError(source + ": config JSON is not an object");
  Config out;
  for (const auto& [key, v] : j.items()) {
    if (v.is_boolean()) {
      out.set(key, v.get<bool>());
    } else if (v.is_number_integer()) {
      out.set(key, v.get<std::int64_t>());
    } else if (v.is_number_float()) {
      out.set(key, v.get<double>());
    } else if (v.is_string()) {
      out.set(key, v.get<std::string>());
    } else {
      throw ConfigError(source + ": config key '" + key + "' holds " + std::string(v.type_name()) +
                        ", expected a boolean, number or string");
    }
  }
  return out;
}

std::pair<std::string, ConfigValue> Config::parse_assignment(const std::string& text) {
  const auto eq = text.find('=');
  if (eq == std::string::npos) {
    throw ConfigError("expected key=value, got '" + text + "'");
  }
  const std::string key = trim(text.substr(0, eq));
  const std::string raw = trim(text.substr(eq + 1));
  if (key.empty()) throw ConfigError("missing key in assignment '" + text + "'");
  if (raw == "true") return {key, true};
  if (raw == "false") return {key, false};
  static const std::regex int_re(R"([+-]?[0-9]+)");
  static const std::regex float_re(R"([+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?)");
  if (std::regex_match(raw, int_re)) {
    errno = 0;
    char* end = nullptr;
    const long long v = std::strtoll(raw.c_str(), &end, 10);
    if (errno == ERANGE) {
      throw ConfigError("config key '" + key + "': integer '" + raw + "' is out of range");
    }
    return {key, static_cast<std::int64_t>(v)};
  }
  if (std::regex_match(raw, float_re)) return {key, std::strtod(raw.c_str(), nullptr)};
  if (raw.size() >= 2 && (raw.front() == '"' || raw.front() == '\'') && raw.back() == raw.front()) {
    return {key, raw.substr(1, raw.size() - 2)};
  }
  return {key, raw};
}

Config Config::from_toml_string(const std::string& toml_text, const std::string& source,
                                const std::string& table_path) {
  toml::table root;
  try {
    root = toml::parse(toml_text, source);
  } catch (const toml::parse_error& e) {
    const auto& pos = e.source().begin;
    throw ConfigError(source + ":" + std::to_string(pos.line) + ":" + std::to_string(pos.column) +
                      ": invalid TOML: " + std::string(e.description()));
  }
  const toml::table* table = &root;
  if (!table_path.empty()) {
    std::stringstream parts(table_path);
    std::string part;
    while (std::getline(parts, part, '.')) {
      const toml::node* node = table->get(part);
      if (!node) return Config{};  // an absent table is an empty config
      table = node->as_table();
      if (!table) {
        throw ConfigError(where(source, *node) + ": '" + table_path + "' is not a table");
      }
    }
  }
  Config out;
  flatten(*table, "", source, out);
  return out;
}

Config Config::from_toml_file(const std::string& path, const std::string& table_path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError("cannot read config file '" + path + "'");
  std::stringstream buf;
  buf << in.rdbuf();
  return from_toml_string(buf.str(), path, table_path);
}

}  // namespace promptlab

#pragma once
// A resolved configuration: a flat map of dotted keys ("optim.lr", "coop.n_ctx")
// to typed values. Built by the host from method defaults < protocol < file < --set.
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include "promptlab/export.hpp"

namespace promptlab {

/// One configuration value.
using ConfigValue = std::variant<bool, std::int64_t, double, std::string>;

/// Raised for unknown keys, wrong types and malformed values; the message names the key.
class PROMPTLAB_API ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Flat, ordered key -> value map with typed access.
class PROMPTLAB_API Config {
 public:
  /// Sets (or replaces) one key.
  void set(const std::string& key, ConfigValue value);
  /// True when the key is present.
  bool has(const std::string& key) const;
  /// Typed read; throws ConfigError naming the key when missing or of the wrong type.
  /// Integers are accepted where a double is asked for.
  bool get_bool(const std::string& key) const;
  std::int64_t get_int(const std::string& key) const;
  double get_double(const std::string& key) const;
  std::string get_string(const std::string& key) const;
  /// Typed read with a fallback when the key is absent.
  bool get_bool(const std::string& key, bool fallback) const;
  std::int64_t get_int(const std::string& key, std::int64_t fallback) const;
  double get_double(const std::string& key, double fallback) const;
  std::string get_string(const std::string& key, const std::string& fallback) const;
  /// Overlays `other` on this config (other wins).
  void merge(const Config& other);
  /// All entries, sorted by key.
  const std::map<std::string, ConfigValue>& entries() const { return values_; }
  /// Keys under a prefix ("coop." -> every coop key).
  std::vector<std::string> keys_with_prefix(const std::string& prefix) const;
  /// Canonical TOML-ish text, one `key = value` per line; stable for hashing.
  std::string to_string() const;
  /// JSON object text.
  std::string to_json() const;

  /// Parses "key=value" (value: true/false, integer, float, or string).
  static std::pair<std::string, ConfigValue> parse_assignment(const std::string& text);
  /// Flattens a TOML document's table at `table_path` ("" = root) into dotted keys.
  /// `source` names the file in error messages.
  static Config from_toml_string(const std::string& toml_text, const std::string& source,
                                 const std::string& table_path = "");
  /// Reads a TOML file; errors name the file.
  static Config from_toml_file(const std::string& path, const std::string& table_path = "");
  /// Parses to_json()'s output (a flat object of booleans, integers, floats and strings); the
  /// result's to_string() equals the original's. `source` names it in errors.
  static Config from_json(const std::string& json_text, const std::string& source);

 private:
  std::map<std::string, ConfigValue> values_;
};

/// Renders a value as text ("0.002", "true", "a photo of a").
PROMPTLAB_API std::string to_string(const ConfigValue& value);

}  // namespace promptlab

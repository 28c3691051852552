#pragma once
// Finds, checks and loads plugins (Boost.DLL), and holds everything they register.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "promptlab/config.hpp"
#include "promptlab/registrar.hpp"

namespace promptlab {

/// What a plugin's plugin.toml declares (format documented in registry/manifest.hpp).
struct PluginManifest {
  std::string name, version, description, paper;
  std::vector<std::string> learners, step_rules, methods, datasets;
  std::vector<std::string> required_learners, required_step_rules;  // [requires]: other plugins' parts its methods bind
  std::map<std::string, Config> method_defaults;  // [methods.<name>] tables, flattened to dotted keys
  std::string path;                                // the plugin.toml file
};

/// A plugin that loaded and registered successfully.
struct LoadedPlugin {
  PluginManifest manifest;
  std::string library_path;
};

/// Why one plugin file was refused.
struct PluginLoadError {
  std::string path;
  std::string reason;
};

/// Loads plugins and is the registry of learners, step rules, methods and datasets.
class PluginHost : public PluginRegistrar {
 public:
  /// An empty host: nothing loaded, nothing registered.
  PluginHost();
  /// Drops every factory first; the libraries themselves stay loaded for the process's life.
  ~PluginHost() override;
  PluginHost(const PluginHost&) = delete;
  PluginHost& operator=(const PluginHost&) = delete;

  /// Directories searched, in order: explicit dirs, $PROMPTLAB_PLUGIN_PATH (colon-separated),
  /// the build tree's plugin dir, the install prefix's plugin dir. Missing dirs are kept.
  static std::vector<std::string> search_path(const std::vector<std::string>& explicit_dirs);
  /// Plugin libraries in one directory: <dir>/<name>/libpromptlab_<name>.so and
  /// <dir>/libpromptlab_*.so, sorted by path.
  static std::vector<std::string> scan_directory(const std::string& dir);
  /// Loads every plugin found on search_path(explicit_dirs); the first of a name wins.
  void load_all(const std::vector<std::string>& explicit_dirs);
  /// Loads one plugin; failures are recorded in errors(), never thrown. True on success.
  bool load_library(const std::string& so_path);
  /// Unloads (from the registry) every plugin whose [requires] names a learner or step rule that
  /// nothing registered, recording why in errors(); repeated until none is left. load_all calls it.
  void check_requirements();

  /// Starts the framework's own registrations (owner "promptlab"); then call add_*.
  void begin_builtin();

  /// Plugins that loaded, in load order.
  const std::vector<LoadedPlugin>& plugins() const { return plugins_; }
  /// Plugin files that were refused, with the reason.
  const std::vector<PluginLoadError>& errors() const { return errors_; }

  /// Registers a learner factory; a duplicate name throws naming both owners.
  void add_learner(const std::string& name, LearnerFactory factory) override;
  /// Registers a step-rule factory; a duplicate name throws naming both owners.
  void add_step_rule(const std::string& name, StepRuleFactory factory) override;
  /// Registers a method; a duplicate name throws naming both owners.
  void add_method(const MethodSpec& spec) override;
  /// Registers a dataset factory; a duplicate name throws naming both owners.
  void add_dataset(const std::string& name, DatasetFactory factory) override;

  /// The method of that name; unknown names throw std::invalid_argument with suggestions.
  const MethodSpec& method(const std::string& name) const;
  /// Builds a learner; unknown names throw std::invalid_argument with suggestions.
  std::shared_ptr<Learner> make_learner(const std::string& name, const LearnerContext& ctx) const;
  /// Builds a step rule; unknown names throw std::invalid_argument with suggestions.
  std::unique_ptr<StepRule> make_step_rule(const std::string& name, const Config& cfg) const;
  /// Builds a dataset; unknown names throw std::invalid_argument with suggestions.
  std::shared_ptr<Dataset> make_dataset(const std::string& name, const DatasetOptions& opts) const;
  /// The method's [methods.<name>] defaults from its plugin's manifest; empty for built-ins.
  Config method_defaults(const std::string& method) const;

  /// Registered names, sorted.
  std::vector<std::string> method_names() const;
  std::vector<std::string> learner_names() const;
  std::vector<std::string> step_rule_names() const;
  std::vector<std::string> dataset_names() const;
  /// Owner (plugin name, or "promptlab" for built-ins) of a registered name; unknown throws.
  std::string owner_of_method(const std::string& name) const;
  std::string owner_of_learner(const std::string& name) const;
  std::string owner_of_step_rule(const std::string& name) const;
  std::string owner_of_dataset(const std::string& name) const;
  /// Loaded plugin name -> version.
  std::map<std::string, std::string> plugin_versions() const;

  /// Owner name used by begin_builtin().
  static constexpr const char* kBuiltinOwner = "promptlab";

 private:
  template <typename T>
  struct Entry {
    T value;
    std::string owner;
  };
  void remove_owned_by(const std::string& owner);
  std::string register_error_(const std::string& kind, const std::string& name,
                              const std::string& existing_owner) const;

  std::map<std::string, Entry<LearnerFactory>> learners_;
  std::map<std::string, Entry<StepRuleFactory>> step_rules_;
  std::map<std::string, Entry<MethodSpec>> methods_;
  std::map<std::string, Entry<DatasetFactory>> datasets_;
  std::vector<LoadedPlugin> plugins_;
  std::vector<PluginLoadError> errors_;
  std::string current_owner_ = kBuiltinOwner;
};

/// The valid name closest to `wanted` by edit distance, or "" when none is close.
std::string nearest_name(const std::string& wanted, const std::vector<std::string>& valid);
/// "unknown <kind> 'x'; valid: a, b, c; did you mean 'y'?"
std::string unknown_name_message(const std::string& kind, const std::string& wanted,
                                 const std::vector<std::string>& valid);

}  // namespace promptlab

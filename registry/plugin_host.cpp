// PluginHost: search path, the loading checks, and the name -> factory registry.
#include "registry/plugin_host.hpp"
#include "util/library_location.hpp"

#include <dlfcn.h>

#include <boost/dll/import.hpp>
#include <boost/dll/shared_library.hpp>
#include <boost/filesystem.hpp>

#include <algorithm>
#include <cstdlib>
#include <set>
#include <stdexcept>

#include "promptlab/plugin.hpp"
#include "registry/manifest.hpp"

#ifndef PROMPTLAB_BUILD_PLUGIN_DIR
#define PROMPTLAB_BUILD_PLUGIN_DIR ""
#endif
#ifndef PROMPTLAB_INSTALL_PLUGIN_DIR
#define PROMPTLAB_INSTALL_PLUGIN_DIR ""
#endif

namespace promptlab {
namespace {

namespace fs = boost::filesystem;
using EntryFn = const promptlab_plugin_info*();

// Every library ever opened, kept for the life of the process (never destroyed, so never
// unloaded, even at exit: objects made by plugin code may outlive any host).
struct KeptLibraries {
  std::vector<boost::dll::shared_library> libraries;
  std::vector<std::function<EntryFn>> entries;
};
KeptLibraries& kept() {
  static auto* libs = new KeptLibraries();
  return *libs;
}

template <typename Map>
std::vector<std::string> keys_of(const Map& m) {
  std::vector<std::string> out;
  for (const auto& kv : m) out.push_back(kv.first);
  return out;
}

template <typename Map>
const typename Map::mapped_type& find_or_throw(const Map& m, const std::string& kind,
                                               const std::string& name) {
  auto it = m.find(name);
  if (it == m.end()) throw std::invalid_argument(unknown_name_message(kind, name, keys_of(m)));
  return it->second;
}

std::string plugin_name_from_file(const fs::path& p) {
  std::string stem = p.stem().string();
  const std::string prefix = "libpromptlab_";
  return stem.compare(0, prefix.size(), prefix) == 0 ? stem.substr(prefix.size()) : stem;
}

bool is_plugin_file(const fs::path& p) {
  const std::string name = p.filename().string();
  return name.size() > 16 && name.compare(0, 13, "libpromptlab_") == 0 &&
         p.extension() == ".so";
}

// The manifest beside a library: <name>.plugin.toml (flat dirs) or plugin.toml.
fs::path manifest_for(const fs::path& so) {
  const fs::path specific = so.parent_path() / (plugin_name_from_file(so) + ".plugin.toml");
  boost::system::error_code ec;
  if (fs::exists(specific, ec)) return specific;
  return so.parent_path() / "plugin.toml";
}

std::vector<std::string> split_colon(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == ':') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

// Optimal-string-alignment distance: insertions, deletions, substitutions and swaps of
// two adjacent characters each cost one.
std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

}  // namespace

std::string nearest_name(const std::string& wanted, const std::vector<std::string>& valid) {
  std::string best;
  std::size_t best_d = std::string::npos;
  for (const auto& v : valid) {
    const std::size_t d = edit_distance(wanted, v);
    if (d < best_d) {
      best_d = d;
      best = v;
    }
  }
  // Close means: at most a third of the longer name differs (and at least one edit allowed).
  if (best.empty()) return "";
  const std::size_t limit = std::max<std::size_t>(1, std::max(wanted.size(), best.size()) / 3);
  return best_d <= limit ? best : "";
}

std::string unknown_name_message(const std::string& kind, const std::string& wanted,
                                 const std::vector<std::string>& valid) {
  std::string msg = "unknown " + kind + " '" + wanted + "'; valid: ";
  if (valid.empty()) msg += "(none registered)";
  for (std::size_t i = 0; i < valid.size(); ++i) msg += (i ? ", " : "") + valid[i];
  const std::string near = nearest_name(wanted, valid);
  if (!near.empty()) msg += "; did you mean '" + near + "'?";
  return msg;
}

PluginHost::PluginHost() = default;

PluginHost::~PluginHost() {
  // Factories may be plugin code; drop them while their libraries are still mapped
  // (they always are: libraries are never unloaded).
  learners_.clear();
  step_rules_.clear();
  methods_.clear();
  datasets_.clear();
}

std::vector<std::string> PluginHost::search_path(const std::vector<std::string>& explicit_dirs) {
  std::vector<std::string> out(explicit_dirs.begin(), explicit_dirs.end());
  if (const char* env = std::getenv("PROMPTLAB_PLUGIN_PATH"); env && *env) {
    for (auto& d : split_colon(env)) out.push_back(d);
  }
  // Uninstalled, the build tree's plugins; installed, <prefix>/lib/promptlab/plugins, the prefix
  // found from where promptlab's code was loaded, so a moved prefix still works.
  const std::string build_dir = PROMPTLAB_BUILD_PLUGIN_DIR;
  if (running_from_build_tree()) {
    if (!build_dir.empty()) out.push_back(build_dir);
  } else if (const auto prefix = installation_prefix(); !prefix.empty()) {
    out.push_back((prefix / "lib" / "promptlab" / "plugins").string());
  } else if (const std::string install_dir = PROMPTLAB_INSTALL_PLUGIN_DIR; !install_dir.empty()) {
    out.push_back(install_dir);
  }
  return out;
}

std::vector<std::string> PluginHost::scan_directory(const std::string& dir) {
  std::vector<std::string> top, nested;
  boost::system::error_code ec;
  if (!fs::is_directory(dir, ec)) return {};
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path p = it->path();
    if (fs::is_directory(p, ec)) {
      boost::system::error_code ec2;
      for (fs::directory_iterator jt(p, ec2), jend; !ec2 && jt != jend; jt.increment(ec2)) {
        if (is_plugin_file(jt->path()) && !fs::is_directory(jt->path(), ec2)) {
          nested.push_back(jt->path().string());
        }
      }
    } else if (is_plugin_file(p)) {
      top.push_back(p.string());
    }
  }
  std::sort(nested.begin(), nested.end());
  std::sort(top.begin(), top.end());
  nested.insert(nested.end(), top.begin(), top.end());
  return nested;
}

void PluginHost::load_all(const std::vector<std::string>& explicit_dirs) {
  std::set<std::string> seen;  // canonical paths, so a dir listed twice loads once
  for (const auto& lp : plugins_) seen.insert(lp.library_path);
  for (const auto& dir : search_path(explicit_dirs)) {
    for (const auto& file : scan_directory(dir)) {
      boost::system::error_code ec;
      fs::path canon = fs::canonical(file, ec);
      const std::string key = ec ? file : canon.string();
      if (!seen.insert(key).second) continue;
      load_library(file);
    }
  }
  check_requirements();
}

void PluginHost::check_requirements() {
  for (bool dropped = true; dropped;) {
    dropped = false;
    for (auto it = plugins_.begin(); it != plugins_.end(); ++it) {
      std::string missing;
      for (const auto& l : it->manifest.required_learners) {
        if (!learners_.count(l)) missing += (missing.empty() ? "" : ", ") + std::string("learner '") + l + "'";
      }
      for (const auto& r : it->manifest.required_step_rules) {
        if (!step_rules_.count(r)) missing += (missing.empty() ? "" : ", ") + std::string("step rule '") + r + "'";
      }
      if (missing.empty()) continue;
      remove_owned_by(it->manifest.name);
      errors_.push_back({it->library_path, it->library_path + ": plugin '" + it->manifest.name + "' requires " +
                                               missing + " (its manifest's [requires]), which no loaded plugin provides"});
      plugins_.erase(it);
      dropped = true;
      break;
    }
  }
}

bool PluginHost::load_library(const std::string& so_path) {
  auto fail = [&](const std::string& reason) {
    errors_.push_back({so_path, so_path + ": " + reason});
    return false;
  };
  boost::system::error_code ec;
  fs::path canon = fs::canonical(so_path, ec);
  const std::string lib_path = ec ? so_path : canon.string();
  for (const auto& lp : plugins_) {
    if (lp.library_path == lib_path) return true;  // already loaded by this host
  }

  // 1. It loads as a shared library.
  boost::dll::shared_library lib;
  ::dlerror();
  lib.load(fs::path(so_path), boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local,
           ec);
  if (ec || !lib.is_loaded()) {
    const char* why = ::dlerror();
    return fail(std::string("cannot be loaded as a shared library (") +
                (why ? why : ec.message().c_str()) + ")");
  }
  kept().libraries.push_back(lib);

  // 2. The entry symbol exists.
  if (!lib.has(PROMPTLAB_PLUGIN_ENTRY_SYMBOL)) {
    return fail(std::string("not a promptlab plugin: no entry symbol '") +
                PROMPTLAB_PLUGIN_ENTRY_SYMBOL + "' (define it with PROMPTLAB_PLUGIN)");
  }
  std::function<EntryFn> entry;
  try {
    entry = boost::dll::import<EntryFn>(lib, PROMPTLAB_PLUGIN_ENTRY_SYMBOL);
  } catch (const std::exception& e) {
    return fail(std::string("cannot import entry symbol: ") + e.what());
  }
  kept().entries.push_back(entry);
  const promptlab_plugin_info* info = entry();
  if (!info) return fail("entry point returned no plugin info (null)");

  // 3. SDK/ABI version.
  if (info->api_version != kPluginApiVersion) {
    return fail("plugin built for API " + std::to_string(info->api_version) +
                ", this promptlab speaks API " + std::to_string(kPluginApiVersion) +
                "; rebuild the plugin against this promptlab");
  }
  // 4. Build fingerprint (promptlab, LibTorch, compiler, C++ ABI).
  const std::string host_fp = PROMPTLAB_BUILD_FINGERPRINT;
  const std::string plugin_fp = info->build_fingerprint ? info->build_fingerprint : "(none)";
  if (plugin_fp != host_fp) {
    return fail("plugin built as '" + plugin_fp + "', this promptlab is '" + host_fp +
                "'; rebuild the plugin against this promptlab");
  }
  // 5. Registration callback present.
  if (!info->register_plugin) return fail("plugin info has no register_plugin callback (null)");
  const std::string name = info->name ? info->name : "";
  if (name.empty()) return fail("plugin info has an empty name");
  const std::string version = info->version ? info->version : "";

  // 6. Manifest present, parseable, same name.
  const fs::path manifest_path = manifest_for(fs::path(so_path));
  if (!fs::exists(manifest_path, ec)) {
    return fail("manifest " + manifest_path.string() + " is missing");
  }
  PluginManifest manifest;
  try {
    manifest = read_manifest(manifest_path.string());
  } catch (const std::exception& e) {
    return fail(std::string("bad manifest: ") + e.what());
  }
  if (manifest.name != name) {
    return fail("manifest " + manifest_path.string() + " names plugin '" + manifest.name +
                "' but the library is plugin '" + name + "'");
  }
  if (!version.empty() && manifest.version != version) {
    return fail("manifest " + manifest_path.string() + " says version '" + manifest.version +
                "' but the library is version '" + version + "'");
  }

  // 7. Duplicate plugin names: the first one loaded wins.
  for (const auto& lp : plugins_) {
    if (lp.manifest.name == name) {
      return fail("duplicate plugin '" + name + "': already loaded from " + lp.library_path +
                  "; this copy is ignored");
    }
  }
  if (name == kBuiltinOwner) return fail("plugin name 'promptlab' is reserved for the framework");

  // 8. Registration, rolled back on any failure.
  const std::string previous_owner = current_owner_;
  current_owner_ = name;
  char message[4096] = {0};
  int rc = 0;
  std::string thrown;
  try {
    rc = info->register_plugin(this, message, sizeof message);
  } catch (const std::exception& e) {
    rc = -1;
    thrown = e.what();
  } catch (...) {
    rc = -1;
    thrown = "unknown exception";
  }
  current_owner_ = previous_owner;
  if (rc != 0) {
    remove_owned_by(name);
    std::string why = !thrown.empty() ? thrown : std::string(message);
    if (why.empty()) why = "no message";
    return fail("registration failed (code " + std::to_string(rc) + "): " + why);
  }
  Registered registered;
  for (const auto& [n, e] : learners_) if (e.owner == name) registered.learners.push_back(n);
  for (const auto& [n, e] : step_rules_) if (e.owner == name) registered.step_rules.push_back(n);
  for (const auto& [n, e] : methods_) {
    if (e.owner != name) continue;
    registered.methods.push_back(n);
    registered.method_specs.push_back(e.value);
  }
  for (const auto& [n, e] : datasets_) if (e.owner == name) registered.datasets.push_back(n);
  Registered builtin;
  for (const auto& [n, e] : learners_) if (e.owner == kBuiltinOwner) builtin.learners.push_back(n);
  for (const auto& [n, e] : step_rules_) if (e.owner == kBuiltinOwner) builtin.step_rules.push_back(n);
  const std::string mismatch = compare_with_manifest(manifest, registered, builtin);
  if (!mismatch.empty()) {
    remove_owned_by(name);
    return fail("does not match its manifest " + manifest_path.string() + ": " + mismatch);
  }
  plugins_.push_back({std::move(manifest), lib_path});
  return true;
}

void PluginHost::begin_builtin() { current_owner_ = kBuiltinOwner; }

void PluginHost::remove_owned_by(const std::string& owner) {
  auto drop = [&](auto& m) {
    for (auto it = m.begin(); it != m.end();) it = it->second.owner == owner ? m.erase(it) : std::next(it);
  };
  drop(learners_);
  drop(step_rules_);
  drop(methods_);
  drop(datasets_);
}

std::string PluginHost::register_error_(const std::string& kind, const std::string& name,
                                        const std::string& existing_owner) const {
  return "duplicate " + kind + " '" + name + "': registered by '" + existing_owner +
         "' and again by '" + current_owner_ + "'";
}

void PluginHost::add_learner(const std::string& name, LearnerFactory factory) {
  if (name.empty()) throw std::invalid_argument("learner name must not be empty");
  if (!factory) throw std::invalid_argument("learner '" + name + "' has an empty factory");
  if (auto it = learners_.find(name); it != learners_.end()) {
    throw std::invalid_argument(register_error_("learner", name, it->second.owner));
  }
  learners_.emplace(name, Entry<LearnerFactory>{std::move(factory), current_owner_});
}

void PluginHost::add_step_rule(const std::string& name, StepRuleFactory factory) {
  if (name.empty()) throw std::invalid_argument("step rule name must not be empty");
  if (!factory) throw std::invalid_argument("step rule '" + name + "' has an empty factory");
  if (auto it = step_rules_.find(name); it != step_rules_.end()) {
    throw std::invalid_argument(register_error_("step rule", name, it->second.owner));
  }
  step_rules_.emplace(name, Entry<StepRuleFactory>{std::move(factory), current_owner_});
}

void PluginHost::add_method(const MethodSpec& spec) {
  if (spec.name.empty()) throw std::invalid_argument("method name must not be empty");
  if (auto it = methods_.find(spec.name); it != methods_.end()) {
    throw std::invalid_argument(register_error_("method", spec.name, it->second.owner));
  }
  methods_.emplace(spec.name, Entry<MethodSpec>{spec, current_owner_});
}

void PluginHost::add_dataset(const std::string& name, DatasetFactory factory) {
  if (name.empty()) throw std::invalid_argument("dataset name must not be empty");
  if (!factory) throw std::invalid_argument("dataset '" + name + "' has an empty factory");
  if (auto it = datasets_.find(name); it != datasets_.end()) {
    throw std::invalid_argument(register_error_("dataset", name, it->second.owner));
  }
  datasets_.emplace(name, Entry<DatasetFactory>{std::move(factory), current_owner_});
}

const MethodSpec& PluginHost::method(const std::string& name) const {
  return find_or_throw(methods_, "method", name).value;
}

std::shared_ptr<Learner> PluginHost::make_learner(const std::string& name,
                                                  const LearnerContext& ctx) const {
  return find_or_throw(learners_, "learner", name).value(ctx);
}

std::unique_ptr<StepRule> PluginHost::make_step_rule(const std::string& name,
                                                     const Config& cfg) const {
  return find_or_throw(step_rules_, "step rule", name).value(cfg);
}

std::shared_ptr<Dataset> PluginHost::make_dataset(const std::string& name,
                                                  const DatasetOptions& opts) const {
  return find_or_throw(datasets_, "dataset", name).value(opts);
}

Config PluginHost::method_defaults(const std::string& method) const {
  const std::string owner = owner_of_method(method);
  for (const auto& lp : plugins_) {
    if (lp.manifest.name != owner) continue;
    auto it = lp.manifest.method_defaults.find(method);
    if (it != lp.manifest.method_defaults.end()) return it->second;
  }
  return Config{};
}

std::vector<std::string> PluginHost::method_names() const { return keys_of(methods_); }
std::vector<std::string> PluginHost::learner_names() const { return keys_of(learners_); }
std::vector<std::string> PluginHost::step_rule_names() const { return keys_of(step_rules_); }
std::vector<std::string> PluginHost::dataset_names() const { return keys_of(datasets_); }

std::string PluginHost::owner_of_method(const std::string& name) const {
  return find_or_throw(methods_, "method", name).owner;
}
std::string PluginHost::owner_of_learner(const std::string& name) const {
  return find_or_throw(learners_, "learner", name).owner;
}
std::string PluginHost::owner_of_step_rule(const std::string& name) const {
  return find_or_throw(step_rules_, "step rule", name).owner;
}
std::string PluginHost::owner_of_dataset(const std::string& name) const {
  return find_or_throw(datasets_, "dataset", name).owner;
}

std::map<std::string, std::string> PluginHost::plugin_versions() const {
  std::map<std::string, std::string> out;
  for (const auto& lp : plugins_) out[lp.manifest.name] = lp.manifest.version;
  return out;
}

}  // namespace promptlab

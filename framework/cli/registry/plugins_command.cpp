// `promptlab plugins`: every plugin found on the search path, what it provides, and why
// any plugin was refused.
#include <iostream>

#include "cli/command.hpp"
#include "registry/plugin_host.hpp"
#include "util/join.hpp"

namespace promptlab::cli {
namespace {

std::string listed(const std::vector<std::string>& items) { return items.empty() ? "-" : join(items, ", "); }

int run_plugins(const GlobalOptions& global, bool show_path) {
  PluginHost host;
  if (show_path) {
    std::cout << "search path:\n";
    for (const auto& dir : PluginHost::search_path(global.plugin_paths)) std::cout << "  " << dir << "\n";
    std::cout << "\n";
  }
  host.load_all(global.plugin_paths);
  for (const auto& w : missing_plugin_dirs(global)) std::cout << "warning: " << w << "\n";
  const auto& plugins = host.plugins();
  std::cout << plugins.size() << " plugin" << (plugins.size() == 1 ? "" : "s") << " loaded\n";
  for (const auto& p : plugins) {
    const auto& m = p.manifest;
    std::cout << "\n" << m.name << " " << m.version << "\n";
    if (!m.description.empty()) std::cout << "  description: " << m.description << "\n";
    if (!m.paper.empty()) std::cout << "  paper:       " << m.paper << "\n";
    std::cout << "  file:        " << p.library_path << "\n";
    std::cout << "  learners:    " << listed(m.learners) << "\n";
    std::cout << "  step rules:  " << listed(m.step_rules) << "\n";
    std::cout << "  methods:     " << listed(m.methods) << "\n";
    std::cout << "  datasets:    " << listed(m.datasets) << "\n";
  }
  const auto& errors = host.errors();
  if (!errors.empty()) {
    std::cout << "\n" << errors.size() << " plugin file" << (errors.size() == 1 ? "" : "s")
              << " refused:\n";
    for (const auto& e : errors) {
      // Reasons start with the path; print it once.
      std::string reason = e.reason;
      if (reason.compare(0, e.path.size() + 2, e.path + ": ") == 0) reason.erase(0, e.path.size() + 2);
      std::cout << "  " << e.path << "\n    " << reason << "\n";
    }
  }
  return plugins.empty() && !errors.empty() ? 1 : 0;
}

void setup_plugins(CLI::App& app, GlobalOptions& global) {
  auto* cmd = app.add_subcommand("plugins", "List plugins found on the search path and load errors");
  auto show_path = std::make_shared<bool>(false);
  cmd->add_flag("--search-path", *show_path, "Also print the directories searched, in order");
  cmd->callback([&global, show_path] {
    const int rc = run_plugins(global, *show_path);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
}

CommandRegistration plugins_registration{"plugins", 90, &setup_plugins};

}  // namespace
}  // namespace promptlab::cli

// `promptlab new-plugin NAME --kind learner|step-rule|method`: writes a plugin project that builds
// against the installed SDK, with a unit test (registry/plugin_scaffold.hpp).
#include <iostream>

#include "cli/command.hpp"
#include "registry/plugin_scaffold.hpp"

namespace promptlab::cli {
namespace {

struct NewPluginOptions {
  std::string name;
  std::string kind = "method";
  std::string dir;
};

void run_new_plugin(const NewPluginOptions& o) {
  const ScaffoldKind kind = parse_scaffold_kind(o.kind);
  const std::filesystem::path folder = o.dir.empty() ? std::filesystem::path(o.name) : std::filesystem::path(o.dir);
  const auto written = write_scaffold(folder, o.name, kind);
  std::cout << "wrote " << written.size() << " files in " << folder.string() << "/:\n";
  for (const auto& path : written) std::cout << "  " << path.lexically_relative(folder).string() << "\n";
  std::cout << "\nnext (docs/writing-a-plugin.md):\n"
            << "  cmake -S " << folder.string() << " -B " << (folder / "build").string()
            << " -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH=<promptlab's install prefix>\n"
            << "  cmake --build " << (folder / "build").string() << " && ctest --test-dir "
            << (folder / "build").string() << "\n"
            << "  promptlab --plugin-path " << (folder / "build" / "plugins").string() << " run --method " << o.name
            << " --dataset tiny_shapes\n";
}

void setup_new_plugin(CLI::App& app, GlobalOptions& /*global*/) {
  auto opts = std::make_shared<NewPluginOptions>();
  auto* cmd = app.add_subcommand("new-plugin", "Write a new plugin project (a method, learner or step rule) with a test");
  cmd->add_option("name", opts->name, "Plugin name: a lower-case identifier")->required();
  cmd->add_option("--kind", opts->kind, "learner (CoOp's learner plus a loss term), step-rule, or method (both)")
      ->capture_default_str();
  cmd->add_option("--dir", opts->dir, "Folder to create (default: ./NAME); must not exist or be empty");
  cmd->callback([opts] { run_new_plugin(*opts); });
}

CommandRegistration new_plugin_registration{"new-plugin", 75, &setup_new_plugin};

}  // namespace
}  // namespace promptlab::cli

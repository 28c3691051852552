#pragma once
// Subcommands register themselves: each cli/<area>/<name>_command.cpp defines
//   promptlab::cli::CommandRegistration name_registration{"name", order, &setup_name};
// where setup adds a CLI11 subcommand to the app.
#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <vector>

namespace promptlab {
struct ResultFilter;
}

namespace promptlab::cli {

/// Options shared by every subcommand.
struct GlobalOptions {
  std::string db_path;                    // --db / PROMPTLAB_DB / promptlab.db
  std::vector<std::string> plugin_paths;  // --plugin-path (repeatable)
  int threads = 0;                        // --threads (0 = a fair share, util/thread_share.hpp)
};

using CommandSetup = std::function<void(CLI::App& app, GlobalOptions& global)>;

struct CommandEntry {
  std::string name;
  int order;
  CommandSetup setup;
};

/// Every registered subcommand, in `order`.
std::vector<CommandEntry>& command_entries();

struct CommandRegistration {
  CommandRegistration(std::string name, int order, CommandSetup setup) {
    command_entries().push_back({std::move(name), order, std::move(setup)});
  }
};

/// Resolved database path: --db, else PROMPTLAB_DB, else ./promptlab.db.
std::string resolve_db_path(const GlobalOptions& global);

/// resolve_db_path() for commands that only read: throws naming the path when the file does not exist.
std::string existing_db_path(const GlobalOptions& global);

/// Warnings for plugin directories the user named (--plugin-path, PROMPTLAB_PLUGIN_PATH) that do
/// not exist, each naming the directory and where it came from.
std::vector<std::string> missing_plugin_dirs(const GlobalOptions& global);

/// --method and --dataset (repeatable) and --protocol-hash into `filter`: which runs a command
/// that reads the store (plot, report) looks at.
void add_filter_options(CLI::App& cmd, ResultFilter& filter);

/// Sets LibTorch's intra-op threads: --threads, or (0) a fair share of the host's cores.
void apply_threads(const GlobalOptions& global);

}  // namespace promptlab::cli

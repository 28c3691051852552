// promptlab: prompt learning on CLIP-style models, every run on record.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <stdexcept>

#include "cli/command.hpp"
#include "store/run_store.hpp"
#include "registry/plugin_host.hpp"
#include "util/thread_share.hpp"

namespace promptlab::cli {

std::vector<CommandEntry>& command_entries() {
  static std::vector<CommandEntry> entries;
  return entries;
}

std::string resolve_db_path(const GlobalOptions& global) {
  if (!global.db_path.empty()) return global.db_path;
  if (const char* env = std::getenv("PROMPTLAB_DB"); env && *env) return env;
  return "promptlab.db";
}

std::string existing_db_path(const GlobalOptions& global) {
  const std::string db = resolve_db_path(global);
  if (db != ":memory:" && !std::filesystem::exists(db))
    throw std::runtime_error("run store " + db + " does not exist (pass --db or set PROMPTLAB_DB)");
  return db;
}

std::vector<std::string> missing_plugin_dirs(const GlobalOptions& global) {
  std::vector<std::string> out;
  auto check = [&](const std::string& dir, const std::string& source) {
    if (!dir.empty() && !std::filesystem::is_directory(dir))
      out.push_back("plugin directory " + dir + " (from " + source + ") does not exist");
  };
  for (const auto& d : global.plugin_paths) check(d, "--plugin-path");
  if (const char* env = std::getenv("PROMPTLAB_PLUGIN_PATH"); env && *env) {
    std::string entry;
    for (const char* p = env;; ++p) {
      if (*p == ':' || *p == '\0') {
        check(entry, "PROMPTLAB_PLUGIN_PATH");
        entry.clear();
        if (*p == '\0') break;
      } else {
        entry += *p;
      }
    }
  }
  return out;
}

void add_filter_options(CLI::App& cmd, ResultFilter& filter) {
  cmd.add_option("--method", filter.methods, "Only this method (repeatable)");
  cmd.add_option("--dataset", filter.datasets, "Only this dataset (repeatable)");
  cmd.add_option("--protocol-hash", filter.protocol_hash, "Only runs of this protocol hash");
}

void apply_threads(const GlobalOptions& global) { set_thread_policy(global.threads); }

namespace {

// The first word that is neither an option nor a global option's value: the command the user meant.
std::string command_word(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--db" || arg == "--plugin-path" || arg == "--threads") {
      ++i;
      continue;
    }
    if (!arg.empty() && arg[0] != '-') return arg;
  }
  return "";
}

}  // namespace

}  // namespace promptlab::cli

int main(int argc, char** argv) {
  using namespace promptlab::cli;
  CLI::App app{"promptlab: prompt learning for CLIP-style vision-language models"};
  app.require_subcommand(1);
  app.fallthrough();  // global options (--db, --plugin-path, --threads) also work after the subcommand
  GlobalOptions global;
  app.add_option("--db", global.db_path, "Run store (SQLite); default $PROMPTLAB_DB or ./promptlab.db");
  app.add_option("--plugin-path", global.plugin_paths, "Extra plugin directory (searched first)");
  app.add_option("--threads", global.threads, "Intra-op threads (default 0: the cores shared among the promptlab processes computing on this host)");
  auto entries = command_entries();
  std::sort(entries.begin(), entries.end(),
            [](const CommandEntry& a, const CommandEntry& b) { return a.order < b.order; });
  for (auto& e : entries) e.setup(app, global);
  if (const std::string word = command_word(argc, argv); !word.empty()) {
    std::vector<std::string> names;
    for (const auto& e : entries) names.push_back(e.name);
    if (std::find(names.begin(), names.end(), word) == names.end()) {
      std::cerr << "promptlab: error: " << promptlab::unknown_name_message("command", word, names)
                << "\nRun with --help for the list of commands.\n";
      return 2;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    std::cerr << "promptlab: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

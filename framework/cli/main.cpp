// promptlab: prompt learning on CLIP-style models, every run on record.
#include <ATen/Parallel.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <stdexcept>
#include <thread>

#include "cli/command.hpp"

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

void apply_threads(const GlobalOptions& global) {
  int n = global.threads;
  if (n <= 0) n = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  at::set_num_threads(n);
}

}  // namespace promptlab::cli

int main(int argc, char** argv) {
  using namespace promptlab::cli;
  CLI::App app{"promptlab: prompt learning for CLIP-style vision-language models"};
  app.require_subcommand(1);
  app.fallthrough();  // global options (--db, --plugin-path, --threads) also work after the subcommand
  GlobalOptions global;
  app.add_option("--db", global.db_path, "Run store (SQLite); default $PROMPTLAB_DB or ./promptlab.db");
  app.add_option("--plugin-path", global.plugin_paths, "Extra plugin directory (searched first)");
  app.add_option("--threads", global.threads, "Intra-op threads (0 = all cores)");
  auto entries = command_entries();
  std::sort(entries.begin(), entries.end(),
            [](const CommandEntry& a, const CommandEntry& b) { return a.order < b.order; });
  for (auto& e : entries) e.setup(app, global);
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

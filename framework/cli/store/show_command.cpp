// `promptlab show RUN_ID`: one run in full.
#include <filesystem>
#include <iostream>
#include <memory>
#include <stdexcept>

#include "cli/command.hpp"
#include "store/results_format.hpp"
#include "store/run_store.hpp"

namespace promptlab::cli {
namespace {

struct ShowOptions {
  std::int64_t run_id = 0;
  std::string format = "text";
};

void run_show(const ShowOptions& o, const GlobalOptions& global) {
  const std::string db = existing_db_path(global);
  const RunFormat format = parse_run_format(o.format);
  RunStore store(db);
  auto run = store.get_run(o.run_id);
  if (!run) throw std::runtime_error("run store " + db + ": no run with id " + std::to_string(o.run_id));
  std::cout << format_run(*run, store.epochs(run->id), store.results(run->id), store.run_metrics(run->id),
                          store.artifacts(run->id), format);
}

void setup_show(CLI::App& app, GlobalOptions& global) {
  auto opts = std::make_shared<ShowOptions>();
  auto* cmd = app.add_subcommand("show", "Show one run: record, config, epochs, results, artifacts");
  cmd->add_option("run_id", opts->run_id, "Run id (see `promptlab results` or the runs table)")->required();
  cmd->add_option("--format", opts->format, "text or json")->check(CLI::IsMember({"text", "json"}));
  cmd->callback([opts, &global] { run_show(*opts, global); });
}

CommandRegistration show_registration{"show", 61, &setup_show};

}  // namespace
}  // namespace promptlab::cli

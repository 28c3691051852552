// `promptlab results`: the paper-style base-to-new table from the run store.
#include <filesystem>
#include <iostream>
#include <memory>
#include <stdexcept>

#include "cli/command.hpp"
#include "store/results_format.hpp"
#include "store/run_store.hpp"

namespace promptlab::cli {
namespace {

struct ResultsOptions {
  std::vector<std::string> methods, datasets;
  std::string protocol_hash, format = "text";
};

void run_results(const ResultsOptions& o, const GlobalOptions& global) {
  const std::string db = resolve_db_path(global);
  if (db != ":memory:" && !std::filesystem::exists(db))
    throw std::runtime_error("run store " + db + " does not exist (pass --db or set PROMPTLAB_DB)");
  const ResultFormat format = parse_result_format(o.format);
  RunStore store(db);
  ResultFilter f{o.methods, o.datasets, o.protocol_hash};
  std::cout << format_results(store.results_table(f), store.average_rows(f), format);
}

void setup_results(CLI::App& app, GlobalOptions& global) {
  auto opts = std::make_shared<ResultsOptions>();
  auto* cmd = app.add_subcommand("results", "Paper-style table: base/new accuracy (mean ± std over seeds) and HM");
  cmd->add_option("--method", opts->methods, "Only this method (repeatable)");
  cmd->add_option("--dataset", opts->datasets, "Only this dataset (repeatable; the average covers these only)");
  cmd->add_option("--protocol-hash", opts->protocol_hash, "Only runs of this protocol hash");
  cmd->add_option("--format", opts->format, "text, markdown, csv or json")
      ->check(CLI::IsMember({"text", "markdown", "md", "csv", "json"}));
  cmd->callback([opts, &global] { run_results(*opts, global); });
}

CommandRegistration results_registration{"results", 60, &setup_results};

}  // namespace
}  // namespace promptlab::cli

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
  std::string protocol_hash, format = "text", table = "auto";
};

void run_results(const ResultsOptions& o, const GlobalOptions& global) {
  const std::string db = existing_db_path(global);
  const ResultFormat format = parse_result_format(o.format);
  RunStore store(db);
  ResultFilter f{o.methods, o.datasets, o.protocol_hash};
  if (o.table != "auto") {
    std::cout << format_table(store, parse_result_table(o.table), f, format);
    return;
  }
  std::vector<ResultTable> tables = tables_present(store, f);
  const bool human = format == ResultFormat::Text || format == ResultFormat::Markdown;
  if (tables.empty()) tables = {ResultTable::kBase2New};  // its "no finished runs" message / empty data
  if (!human && tables.size() > 1) {
    std::string names;
    for (auto t : tables) names += (names.empty() ? "" : ", ") + to_string(t);
    throw std::invalid_argument("the store holds several kinds of table (" + names + "); pick one with --table");
  }
  for (std::size_t i = 0; i < tables.size(); ++i) {
    if (human && tables.size() > 1) {
      const std::string title = to_string(tables[i]);
      std::cout << (i ? "\n" : "") << (format == ResultFormat::Markdown ? "### " + title + "\n\n" : title + ":\n");
    }
    std::cout << format_table(store, tables[i], f, format);
  }
}

void setup_results(CLI::App& app, GlobalOptions& global) {
  auto opts = std::make_shared<ResultsOptions>();
  auto* cmd = app.add_subcommand("results", "Paper-style tables: base/new and HM, accuracy per shots, transfer to targets (mean ± std over seeds)");
  cmd->add_option("--method", opts->methods, "Only this method (repeatable)");
  cmd->add_option("--dataset", opts->datasets, "Only this dataset (repeatable; the average covers these only)");
  cmd->add_option("--protocol-hash", opts->protocol_hash, "Only runs of this protocol hash");
  cmd->add_option("--format", opts->format, "text, markdown, csv or json")
      ->check(CLI::IsMember({"text", "markdown", "md", "csv", "json"}));
  cmd->add_option("--table", opts->table,
                  "auto (every table the store holds), base2new, few-shot or transfer (cross-dataset and domain shift)")
      ->check(CLI::IsMember({"auto", "base2new", "few-shot", "transfer"}));
  cmd->callback([opts, &global] { run_results(*opts, global); });
}

CommandRegistration results_registration{"results", 60, &setup_results};

}  // namespace
}  // namespace promptlab::cli

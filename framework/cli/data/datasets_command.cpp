// `promptlab datasets [--data-root DIR]`: every dataset (the reference ones, the embedded ones and
// those of loaded plugins), whether its files were found, and its size.
#include <algorithm>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "cli/command.hpp"
#include "data/dataset_listing.hpp"
#include "registry/plugin_host.hpp"

namespace promptlab::cli {
namespace {

struct DatasetsOptions {
  std::string data_root;
};

// A row for every dataset a loaded plugin registers, opened to count it; one that fails to open
// is listed with the reason.
std::vector<DatasetListingRow> plugin_dataset_rows(const GlobalOptions& global, const DatasetOptions& opts) {
  PluginHost host;
  host.load_all(global.plugin_paths);
  std::vector<DatasetListingRow> rows;
  for (const auto& name : host.dataset_names()) {
    const std::string owner = host.owner_of_dataset(name);
    if (owner == PluginHost::kBuiltinOwner) continue;
    DatasetListingRow row;
    row.name = name;
    row.description = owner;  // the plugin that registered it
    row.source = "plugin";
    try {
      const auto dataset = host.make_dataset(name, opts);
      row.n_classes = dataset->classnames().size();
      row.n_train = dataset->items(Split::kTrain).size();
      row.n_val = dataset->items(Split::kVal).size();
      row.n_test = dataset->items(Split::kTest).size();
      row.n_items = row.n_train + row.n_val + row.n_test;
      row.found = true;
      row.status = "ok";
    } catch (const std::exception& e) {
      row.status = std::string("cannot open: ") + e.what();
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

void print_listing(const GlobalOptions& global, const DatasetOptions& opts) {
  auto rows = list_datasets(opts);
  for (auto& row : plugin_dataset_rows(global, opts)) rows.push_back(std::move(row));
  std::cout << "data root: " << opts.root << "\n";
  // Each text column as wide as its longest entry, and at least its heading, plus two spaces.
  const auto width = [&rows](const char* heading, std::string DatasetListingRow::*field) {
    std::size_t w = std::string(heading).size();
    for (const auto& r : rows) w = std::max(w, (r.*field).size());
    return static_cast<int>(w + 2);
  };
  const int name_w = width("name", &DatasetListingRow::name), display_w = width("display", &DatasetListingRow::description),
            source_w = width("source", &DatasetListingRow::source);
  std::cout << std::left << std::setw(name_w) << "name" << std::setw(display_w) << "display" << std::setw(source_w)
            << "source" << std::setw(7) << "found" << std::right << std::setw(8) << "classes" << std::setw(9) << "train"
            << std::setw(8) << "val" << std::setw(8) << "test" << "  " << "status\n";
  for (const auto& r : rows) {
    std::cout << std::left << std::setw(name_w) << r.name << std::setw(display_w) << r.description << std::setw(source_w)
              << r.source
              << std::setw(7) << (r.found ? "yes" : "no") << std::right << std::setw(8) << r.n_classes;
    if (r.found) {
      if (r.n_train + r.n_val + r.n_test == 0 && r.n_items > 0) {
        std::cout << std::setw(25) << r.n_items;
      } else {
        std::cout << std::setw(9) << r.n_train << std::setw(8) << r.n_val << std::setw(8) << r.n_test;
      }
    } else {
      std::cout << std::setw(9) << "-" << std::setw(8) << "-" << std::setw(8) << "-";
    }
    std::cout << "  " << (r.missing.empty() ? r.status : "missing:") << "\n";
    for (const auto& m : r.missing) std::cout << "    - " << m << "\n";
  }
}

void setup_datasets(CLI::App& app, GlobalOptions& global) {
  auto opts = std::make_shared<DatasetsOptions>();
  auto* cmd = app.add_subcommand("datasets", "List the datasets, whether their files were found, and their sizes");
  cmd->add_option("--data-root", opts->data_root, "Folder holding the datasets (default $PROMPTLAB_DATA_ROOT or ./data)");
  cmd->callback([opts, &global] {
    DatasetOptions d;
    d.root = opts->data_root.empty() ? default_data_root() : opts->data_root;
    print_listing(global, d);
  });
}

CommandRegistration datasets_registration{"datasets", 40, &setup_datasets};

}  // namespace
}  // namespace promptlab::cli

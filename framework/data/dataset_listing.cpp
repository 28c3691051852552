// Rows of `promptlab datasets`.
#include "data/dataset_listing.hpp"

#include <cstdlib>
#include <utility>

#include "data/reference_datasets.hpp"

namespace promptlab {

namespace {
std::vector<DatasetListingProvider>& providers() {
  static std::vector<DatasetListingProvider> list;
  return list;
}
}  // namespace

void add_dataset_listing_provider(DatasetListingProvider provider) { providers().push_back(std::move(provider)); }

std::string default_data_root() {
  if (const char* env = std::getenv("PROMPTLAB_DATA_ROOT"); env && *env) return env;
  return "data";
}

std::vector<DatasetListingRow> list_datasets(const DatasetOptions& opts) {
  std::vector<DatasetListingRow> rows;
  for (const auto& info : reference_datasets()) {
    DatasetScan scan = scan_reference_dataset(info.name, opts);
    DatasetListingRow row;
    row.name = info.name;
    row.description = info.display_name;
    row.source = "reference";
    row.found = scan.found;
    row.n_classes = scan.found ? scan.n_classes : static_cast<std::size_t>(info.expected_classes);
    row.n_train = scan.n_train;
    row.n_val = scan.n_val;
    row.n_test = scan.n_test;
    row.n_items = scan.n_train + scan.n_val + scan.n_test;
    row.missing = scan.missing_paths;
    if (!scan.found) {
      row.status = scan.message;
    } else if (scan.n_missing > 0) {
      row.status = std::to_string(scan.n_missing) + " listed image(s) missing";
    } else if (scan.n_classes != static_cast<std::size_t>(info.expected_classes)) {
      row.status = "expected " + std::to_string(info.expected_classes) + " classes";
    } else {
      row.status = "ok";
    }
    rows.push_back(std::move(row));
  }
  for (const auto& provider : providers()) {
    for (auto& row : provider(opts)) rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace promptlab

// Adds the embedded suite to `promptlab datasets`.
#include <algorithm>

#include "data/dataset_listing.hpp"
#include "world/suite.hpp"

namespace promptlab {
namespace {

std::vector<DatasetListingRow> embedded_rows(const DatasetOptions&) {
  std::vector<DatasetListingRow> rows;
  std::vector<std::string> names = embedded_dataset_names();
  const std::vector<std::string> targets = embedded_target_names();
  names.insert(names.end(), targets.begin(), targets.end());
  for (const auto& name : names) {
    auto d = open_embedded_dataset(name);
    DatasetListingRow r;
    r.name = name;
    r.description = std::find(targets.begin(), targets.end(), name) == targets.end() ? "embedded" : "embedded target";
    r.source = "embedded";
    r.found = true;
    r.status = "ok (generated in memory)";
    r.n_classes = d->classnames().size();
    r.n_train = d->items(Split::kTrain).size();
    r.n_val = d->items(Split::kVal).size();
    r.n_test = d->items(Split::kTest).size();
    r.n_items = r.n_train + r.n_val + r.n_test;
    rows.push_back(std::move(r));
  }
  return rows;
}

[[maybe_unused]] const bool registered = (add_dataset_listing_provider(embedded_rows), true);

}  // namespace
}  // namespace promptlab

#pragma once
// Rows of `promptlab datasets`: the reference datasets plus any the host adds (embedded ones).
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "promptlab/dataset.hpp"

namespace promptlab {

/// One line of the listing.
struct DatasetListingRow {
  std::string name;         // registry key
  std::string description;  // display name or a short description
  std::string source;       // "reference", "embedded", "plugin", ...
  bool found = false;       // files present (always true for embedded datasets)
  std::string status;       // "ok", or why not found / what is wrong
  std::size_t n_classes = 0;
  std::size_t n_items = 0;  // train + val + test
  std::size_t n_train = 0, n_val = 0, n_test = 0;
  std::vector<std::string> missing;  // each absent file or folder, with where it is expected
};

/// Supplies extra rows (called once per listing with the options given on the command line).
using DatasetListingProvider = std::function<std::vector<DatasetListingRow>(const DatasetOptions&)>;

/// Registers a provider (e.g. the lead's embedded/plugin datasets); thread-unsafe, call at start-up.
void add_dataset_listing_provider(DatasetListingProvider provider);

/// The reference datasets (scanned under opts.root) followed by every provider's rows.
std::vector<DatasetListingRow> list_datasets(const DatasetOptions& opts);

/// Default data root: $PROMPTLAB_DATA_ROOT if set, else "data".
std::string default_data_root();

}  // namespace promptlab

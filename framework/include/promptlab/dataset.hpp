#pragma once
// The Dataset seam: class names, items per split, a prompt template.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "promptlab/export.hpp"
#include "promptlab/image.hpp"

namespace promptlab {

enum class Split { kTrain, kVal, kTest };
PROMPTLAB_API std::string to_string(Split split);

/// One labelled example. `id` is unique within the dataset and stable across runs
/// (an absolute image path, or "world:<dataset>:<split>:<index>"); it keys the feature cache.
struct DataItem {
  std::string id;
  std::int64_t label = 0;
  std::string classname;
};

/// A classification dataset.
///
/// Example (a dataset whose images are generated in memory):
/// \code
///   class Squares : public promptlab::Dataset {
///    public:
///     std::string name() const override { return "squares"; }
///     std::vector<std::string> classnames() const override { return {"small", "large"}; }
///     std::string prompt_template() const override { return "a photo of a {} square."; }
///     std::vector<DataItem> items(Split s) const override { ... }
///     Image load_image(const DataItem& item) const override { ... }
///   };
/// \endcode
class PROMPTLAB_API Dataset {
 public:
  virtual ~Dataset();
  /// Registry name ("oxford_pets", "world_shapes").
  virtual std::string name() const = 0;
  /// Class names indexed by label.
  virtual std::vector<std::string> classnames() const = 0;
  /// Hand-written zero-shot template with one "{}" for the class name.
  virtual std::string prompt_template() const = 0;
  /// All items of a split, in a deterministic order.
  virtual std::vector<DataItem> items(Split split) const = 0;
  /// Decodes (or generates) the item's image as RGB. Throws naming the file on failure.
  virtual Image load_image(const DataItem& item) const = 0;
  /// A string that changes whenever the dataset's content changes (for caches).
  virtual std::string content_key() const { return name(); }
};

/// Where a dataset factory finds its files.
struct DatasetOptions {
  std::string root;  // --data-root / [data] root; empty for embedded datasets
};

}  // namespace promptlab

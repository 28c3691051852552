#pragma once
// A Dataset whose items are image files listed up front (reference and user datasets).
#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "data/reference_datasets.hpp"
#include "promptlab/dataset.hpp"

namespace promptlab {

/// Items per split, class names and template held in memory; images decoded on demand.
class FileDataset : public Dataset {
 public:
  /// Items' ids are absolute image paths. The content key is derived from the items and class names.
  FileDataset(std::string name, std::vector<std::string> classnames, std::string prompt_template,
              std::vector<DataItem> train, std::vector<DataItem> val, std::vector<DataItem> test,
              std::vector<DatasetProblem> problems);

  std::string name() const override { return name_; }
  std::vector<std::string> classnames() const override { return classnames_; }
  std::string prompt_template() const override { return template_; }
  std::vector<DataItem> items(Split split) const override;
  /// Decodes the file named by item.id (throws ImageError naming the file).
  Image load_image(const DataItem& item) const override;
  std::string content_key() const override { return content_key_; }
  /// Warnings collected while reading the dataset.
  const std::vector<DatasetProblem>& problems() const { return problems_; }
  /// Adds a warning (while the dataset is being set up).
  void add_problem(DatasetProblem problem) { problems_.push_back(std::move(problem)); }
  /// Entries skipped because their image file is missing.
  std::size_t missing_images() const { return missing_images_; }
  /// Sets the count above (readers only).
  void set_missing_images(std::size_t n) { missing_images_ = n; }

 private:
  std::string name_;
  std::vector<std::string> classnames_;
  std::string template_;
  std::array<std::vector<DataItem>, 3> splits_;
  std::vector<DatasetProblem> problems_;
  std::string content_key_;
  std::size_t missing_images_ = 0;
};

}  // namespace promptlab

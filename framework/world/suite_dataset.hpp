#pragma once
// One embedded dataset: classes defined by fixed scene attributes, images generated
// in memory from (dataset, split, index).
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "promptlab/dataset.hpp"
#include "world/domain_shift.hpp"
#include "world/scene.hpp"

namespace promptlab::world {

/// Static description of an embedded dataset.
struct SuiteDatasetInfo {
  std::string name;
  std::string prompt_template;
  std::vector<std::string> classnames;
  /// Scene constraints of each class (same order as classnames).
  std::vector<SceneSpec> class_specs;
  int train_per_class = 32;
  int val_per_class = 8;
  int test_per_class = 100;
  /// Sizes drawn uniformly from [min_size, 2] when a class leaves size open.
  int min_size = 0;
  /// Test-only datasets (domain-shift targets) redraw their images this way.
  DomainShift shift = DomainShift::kNone;
};

/// A Dataset generating its images from a SuiteDatasetInfo.
class SuiteDataset : public Dataset {
 public:
  explicit SuiteDataset(SuiteDatasetInfo info);
  std::string name() const override { return info_.name; }
  std::vector<std::string> classnames() const override { return info_.classnames; }
  std::string prompt_template() const override { return info_.prompt_template; }
  std::vector<DataItem> items(Split split) const override;
  Image load_image(const DataItem& item) const override;
  std::string content_key() const override;
  /// The scene of item `index` of `split` (label = index % classes).
  Scene scene(Split split, int index) const;
  const SuiteDatasetInfo& info() const { return info_; }

 private:
  int per_class(Split split) const;
  SuiteDatasetInfo info_;
};

/// Descriptions of every embedded dataset, in suite order.
const std::vector<SuiteDatasetInfo>& suite_dataset_infos();

/// Test-only datasets: shifted renderings of a suite dataset's classes (dg-tiny's targets).
const std::vector<SuiteDatasetInfo>& suite_target_infos();

}  // namespace promptlab::world

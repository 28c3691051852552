#pragma once
// Base/new class subsets (docs/protocol.md §6).
#include <string>
#include <vector>

#include "promptlab/dataset.hpp"

namespace promptlab {

/// Which classes to keep.
enum class ClassSubset { kAll, kBase, kNew };

/// "all", "base" or "new".
std::string to_string(ClassSubset which);
/// Parses "all" / "base" / "new"; throws std::invalid_argument naming the value otherwise.
ClassSubset parse_class_subset(const std::string& text);

/// Items and class names after subsampling; labels relabelled 0..k-1.
struct Subsampled {
  std::vector<DataItem> items;
  std::vector<std::string> classnames;
};

/// The sorted label set of `label_source` (normally the few-shot TRAIN set): base = first
/// ceil(n/2), new = the rest.
std::vector<std::int64_t> subset_labels(const std::vector<DataItem>& label_source, ClassSubset which);

/// Keeps items whose label is in the chosen half of the labels 0..all_classnames.size()-1
/// (the few-shot train set holds every class) and relabels them 0..k-1 in sorted order.
/// kAll returns the input unchanged.
Subsampled subsample_classes(const std::vector<DataItem>& items, const std::vector<std::string>& all_classnames,
                             ClassSubset which);

/// Same, with the label set taken from `label_source` (the few-shot train set) so that
/// train/val/test are split identically.
Subsampled subsample_classes(const std::vector<DataItem>& items, const std::vector<std::string>& all_classnames,
                             ClassSubset which, const std::vector<DataItem>& label_source);

}  // namespace promptlab

// Base/new class subsets (docs/protocol.md §6).
#include "data/base_new.hpp"

#include <algorithm>
#include <set>
#include <stdexcept>
#include <unordered_map>

namespace promptlab {

std::string to_string(ClassSubset which) {
  switch (which) {
    case ClassSubset::kAll: return "all";
    case ClassSubset::kBase: return "base";
    case ClassSubset::kNew: return "new";
  }
  return "unknown";
}

ClassSubset parse_class_subset(const std::string& text) {
  if (text == "all") return ClassSubset::kAll;
  if (text == "base") return ClassSubset::kBase;
  if (text == "new") return ClassSubset::kNew;
  throw std::invalid_argument("unknown class subset '" + text + "' (expected all, base or new)");
}

namespace {

// The chosen half of a sorted label list: base = first ceil(n/2), new = the rest.
std::vector<std::int64_t> pick_half(const std::vector<std::int64_t>& sorted, ClassSubset which) {
  if (which == ClassSubset::kAll) return sorted;
  const std::size_t m = (sorted.size() + 1) / 2;
  if (which == ClassSubset::kBase) return {sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(m)};
  return {sorted.begin() + static_cast<std::ptrdiff_t>(m), sorted.end()};
}

Subsampled relabel(const std::vector<DataItem>& items, const std::vector<std::string>& all_classnames,
                   const std::vector<std::int64_t>& keep) {
  Subsampled out;
  std::unordered_map<std::int64_t, std::int64_t> new_label;
  for (std::size_t i = 0; i < keep.size(); ++i) {
    const auto old = keep[i];
    if (old < 0 || static_cast<std::size_t>(old) >= all_classnames.size()) {
      throw std::out_of_range("subsample_classes: label " + std::to_string(old) + " has no class name (" +
                              std::to_string(all_classnames.size()) + " classes)");
    }
    new_label.emplace(old, static_cast<std::int64_t>(i));
    out.classnames.push_back(all_classnames[static_cast<std::size_t>(old)]);
  }
  for (const auto& item : items) {
    auto it = new_label.find(item.label);
    if (it == new_label.end()) continue;
    DataItem copy = item;
    copy.label = it->second;
    out.items.push_back(std::move(copy));
  }
  return out;
}

}  // namespace

std::vector<std::int64_t> subset_labels(const std::vector<DataItem>& label_source, ClassSubset which) {
  std::set<std::int64_t> labels;
  for (const auto& item : label_source) labels.insert(item.label);
  return pick_half({labels.begin(), labels.end()}, which);
}

Subsampled subsample_classes(const std::vector<DataItem>& items, const std::vector<std::string>& all_classnames,
                             ClassSubset which) {
  if (which == ClassSubset::kAll) return {items, all_classnames};
  std::vector<std::int64_t> all(all_classnames.size());
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = static_cast<std::int64_t>(i);
  return relabel(items, all_classnames, pick_half(all, which));
}

Subsampled subsample_classes(const std::vector<DataItem>& items, const std::vector<std::string>& all_classnames,
                             ClassSubset which, const std::vector<DataItem>& label_source) {
  if (which == ClassSubset::kAll) return {items, all_classnames};
  return relabel(items, all_classnames, subset_labels(label_source, which));
}

}  // namespace promptlab

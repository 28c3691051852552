// FileDataset: in-memory item lists over image files.
#include "data/file_dataset.hpp"

#include <cstdio>
#include <utility>

#include "data/image_io.hpp"
#include "util/fnv1a.hpp"

namespace promptlab {

FileDataset::FileDataset(std::string name, std::vector<std::string> classnames, std::string prompt_template,
                         std::vector<DataItem> train, std::vector<DataItem> val, std::vector<DataItem> test,
                         std::vector<DatasetProblem> problems)
    : name_(std::move(name)),
      classnames_(std::move(classnames)),
      template_(std::move(prompt_template)),
      splits_{std::move(train), std::move(val), std::move(test)},
      problems_(std::move(problems)) {
  std::uint64_t h = fnv1a64(name_);
  for (const auto& c : classnames_) h = fnv1a64(c + "\n", h);
  for (std::size_t s = 0; s < splits_.size(); ++s) {
    h = fnv1a64("#split" + std::to_string(s) + "\n", h);
    for (const auto& item : splits_[s]) h = fnv1a64(item.id + "\t" + std::to_string(item.label) + "\n", h);
  }
  content_key_ = name_ + ":" + hex64(h);
}

std::vector<DataItem> FileDataset::items(Split split) const {
  switch (split) {
    case Split::kTrain: return splits_[0];
    case Split::kVal: return splits_[1];
    case Split::kTest: return splits_[2];
  }
  return {};
}

Image FileDataset::load_image(const DataItem& item) const { return decode_image_file(item.id); }

}  // namespace promptlab

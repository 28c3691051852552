#pragma once
// An in-memory Dataset for the data tests: per class a given number of train/val/test items.
#include <string>
#include <vector>

#include "promptlab/dataset.hpp"

namespace promptlab::test {

/// Items are "mem:<split>:<label>:<i>"; images are 1x1 pixels.
class MemDataset : public Dataset {
 public:
  MemDataset(std::string name, std::vector<int> train_per_class, int val_per_class, int test_per_class,
             std::string key_suffix = "")
      : name_(std::move(name)), key_suffix_(std::move(key_suffix)) {
    for (std::size_t c = 0; c < train_per_class.size(); ++c) classnames_.push_back("class " + std::to_string(c));
    const char* names[3] = {"train", "val", "test"};
    for (int s = 0; s < 3; ++s) {
      for (std::size_t c = 0; c < train_per_class.size(); ++c) {
        int n = s == 0 ? train_per_class[c] : (s == 1 ? val_per_class : test_per_class);
        for (int i = 0; i < n; ++i) {
          splits_[s].push_back({"mem:" + std::string(names[s]) + ":" + std::to_string(c) + ":" + std::to_string(i),
                                static_cast<std::int64_t>(c), classnames_[c]});
        }
      }
    }
  }
  std::string name() const override { return name_; }
  std::vector<std::string> classnames() const override { return classnames_; }
  std::string prompt_template() const override { return "a photo of a {}."; }
  std::vector<DataItem> items(Split s) const override { return splits_[static_cast<int>(s)]; }
  Image load_image(const DataItem&) const override {
    Image img;
    img.width = img.height = 1;
    img.pixels = {1, 2, 3};
    return img;
  }
  std::string content_key() const override { return name_ + key_suffix_; }

 private:
  std::string name_;
  std::string key_suffix_;
  std::vector<std::string> classnames_;
  std::vector<DataItem> splits_[3];
};

}  // namespace promptlab::test

#pragma once
// Helpers for the data tests: fresh temp folders and small dataset trees in the reference layouts.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <unistd.h>

namespace promptlab::test {

/// A fresh, empty folder under $PROMPTLAB_TEST_TMP (or /tmp), removed on destruction.
class TempDir {
 public:
  explicit TempDir(const std::string& tag) {
    const char* base = std::getenv("PROMPTLAB_TEST_TMP");
    std::filesystem::path root = base && *base ? base : "/tmp";
    static int counter = 0;
    path_ = root / ("promptlab-data-" + tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string str() const { return path_.string(); }
  std::filesystem::path path() const { return path_; }

 private:
  std::filesystem::path path_;
};

/// Writes `text` to `path`, creating parent folders.
inline void write_file(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out << text;
}

/// Builds <root>/<folder>/<split_file> and empty image files under <image_dir> for a split_zhou
/// dataset: `n_classes` classes named "<prefix>_<label>", per class `n_train`/`n_val`/`n_test` items.
/// `per_class_train` (if non-empty) overrides n_train per label.
inline void make_zhou_tree(const std::filesystem::path& root, const std::string& folder, const std::string& split_file,
                           const std::string& image_dir, int n_classes, int n_train, int n_val, int n_test,
                           const std::vector<int>& per_class_train = {}) {
  nlohmann::json doc = {{"train", nlohmann::json::array()}, {"val", nlohmann::json::array()},
                        {"test", nlohmann::json::array()}};
  const auto images = image_dir.empty() ? root / folder : root / folder / image_dir;
  for (int c = 0; c < n_classes; ++c) {
    const std::string cname = "class_name_" + std::to_string(c);
    const int counts[3] = {per_class_train.empty() ? n_train : per_class_train[static_cast<std::size_t>(c)], n_val,
                           n_test};
    const char* keys[3] = {"train", "val", "test"};
    for (int s = 0; s < 3; ++s) {
      for (int i = 0; i < counts[s]; ++i) {
        std::string rel = cname + "/" + keys[s] + "_" + std::to_string(i) + ".jpg";
        write_file(images / rel, "x");
        doc[keys[s]].push_back({rel, c, cname});
      }
    }
  }
  write_file(root / folder / split_file, doc.dump(4));
}

}  // namespace promptlab::test

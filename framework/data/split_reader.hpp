#pragma once
// Readers for the on-disk split formats (docs/protocol.md §7); internal to data/.
#include <memory>
#include <string>
#include <vector>

#include "data/file_dataset.hpp"

namespace promptlab {

/// What a split_zhou-style JSON ({"train"|"val"|"test": [[relpath, label, classname], ...]}) holds.
struct ZhouSplit {
  std::vector<std::string> classnames;  // by label, '_' replaced by ' '
  std::vector<DataItem> train, val, test;
  std::vector<DatasetProblem> problems;
  std::size_t missing = 0;  // entries skipped because their image is missing
};

/// Reads `split_path`; relpaths are resolved against `image_dir`. Entries whose image is missing
/// are skipped with a warning; malformed JSON / entries throw naming the file and position.
ZhouSplit read_zhou_split(const std::string& split_path, const std::string& image_dir, bool check_images = true);

/// ImageNet: <dir>/images/{train,val}/<wnid>/* and <dir>/classnames.txt; labels in sorted wnid
/// order; test = the official val folder; our val = the last 10 train images (by file name) of each
/// class (half the class when it has 10 or fewer), removed from train.
std::shared_ptr<FileDataset> read_imagenet(const std::string& dir, const std::string& name,
                                           const std::string& prompt_template);

/// A test-only ImageNet variant. `by_index`: <image_dir>/<class index>/* (ImageNet-V2), labels are
/// the indices into the class list, every class of the list is kept. Otherwise <image_dir>/<wnid>/*
/// (ImageNet-Sketch, -A, -R): labels follow the sorted wnid folders present and only those classes
/// are kept, so logits cover -A's and -R's 200 classes only. Names come from `class_list`
/// (`<wnid> <name>` per line).
std::shared_ptr<FileDataset> read_imagenet_variant(const std::string& image_dir,
                                                   const std::string& class_list, bool by_index,
                                                   const std::string& name, const std::string& prompt_template);

/// FGVCAircraft: <dir>/variants.txt, <dir>/images_variant_{train,val,test}.txt, <dir>/images/<id>.jpg.
std::shared_ptr<FileDataset> read_fgvc_aircraft(const std::string& dir, const std::string& name,
                                                const std::string& prompt_template);

}  // namespace promptlab

#pragma once
// The files and folders each reference dataset's layout needs under the data root
// (docs/protocol.md §7), checked without reading any of them.
#include <string>
#include <vector>

namespace promptlab {

struct ReferenceDatasetInfo;

/// One file or folder a dataset layout needs.
struct RequiredPath {
  std::string path;  // absolute, normalised
  bool folder = false;
  std::string what;  // "split file", "image folder", "class list", ...
  std::string alternative;  // another place that also satisfies it ("" when none)
};

/// Every path the layout of `info` needs under `root`, outermost first.
std::vector<RequiredPath> required_paths(const ReferenceDatasetInfo& info, const std::string& root);

/// The paths of required_paths() that are absent (or of the wrong kind: a file where a folder is needed).
std::vector<RequiredPath> missing_paths(const ReferenceDatasetInfo& info, const std::string& root);

/// "split file /data/oxford_pets/split_zhou_OxfordPets.json" (what + path, "/" after folders,
/// then "(or ALTERNATIVE)" when there is one).
std::string describe(const RequiredPath& path);

/// The class list an ImageNet variant (ImageNet-V2, -Sketch, -A, -R) reads: classnames.txt in its own
/// folder, as CoOp's instructions place it, else ImageNet's.
std::string imagenet_class_list(const ReferenceDatasetInfo& info, const std::string& root);

/// A one-paragraph error naming every missing path of dataset `info` under `root`
/// ("" when nothing is missing).
std::string missing_paths_message(const ReferenceDatasetInfo& info, const std::string& root);

}  // namespace promptlab

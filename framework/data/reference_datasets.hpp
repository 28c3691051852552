#pragma once
// The eleven reference datasets (docs/protocol.md §7) and user datasets described by TOML.
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "promptlab/dataset.hpp"

namespace promptlab {

/// How a reference dataset's files are laid out under its folder.
enum class DatasetLayout {
  kZhouSplit,     // split_zhou_<Name>.json + an image folder
  kImageNet,      // classnames.txt + images/{train,val}/<wnid>/
  kFgvcAircraft,  // variants.txt + images_variant_{train,val,test}.txt + images/<id>.jpg
  kImageNetByIndex,  // test only: <image_dir>/<class index>/ (ImageNet-V2), ImageNet's class list
  kImageNetByWnid,   // test only: <image_dir>/<wnid>/ (ImageNet-Sketch, -A, -R), ImageNet's class list
};

/// Static facts about one reference dataset.
struct ReferenceDatasetInfo {
  std::string name;             // imagenet, caltech101, oxford_pets, ... (registry key)
  std::string display_name;     // ImageNet, Caltech101, OxfordPets, ...
  std::string folder;           // folder under the data root (e.g. "oxford_pets")
  std::string prompt_template;  // hand-crafted zero-shot template with one "{}"
  int expected_classes = 0;     // class count of the full dataset
  std::string split_file;       // split_zhou_<Name>.json relative to the folder ("" for imagenet / fgvc_aircraft)
  std::string image_dir;        // image folder relative to the dataset folder
  DatasetLayout layout = DatasetLayout::kZhouSplit;
};

/// The eleven reference datasets, in the order of docs/protocol.md §7, then the four test-only
/// ImageNet variants of the domain-generalisation protocol (§11).
const std::vector<ReferenceDatasetInfo>& reference_datasets();

/// True for the test-only layouts (no train or val split).
bool is_test_only(const ReferenceDatasetInfo& info);

/// The entry named `name`, or nullptr.
const ReferenceDatasetInfo* find_reference_dataset(const std::string& name);

/// A warning about the data (e.g. a missing image) that a run records; the run goes on.
struct DatasetProblem {
  std::string file;     // the file concerned (image, split file, ...)
  std::string message;  // human-readable description, names the file and line/entry where known
};

/// Opens a reference dataset under opts.root (<root>/<folder>/...). ImageNet's val split is a
/// deterministic hold-out of train (last 10 images per class by name); its test split is the official val. Throws std::runtime_error naming the missing
/// root / split file, or the JSON parser's position for a malformed split file.
std::shared_ptr<Dataset> open_reference_dataset(const std::string& name, const DatasetOptions& opts);

/// Opens a user dataset described by a TOML file:
///   name = "mydata"; root = "/data/mydata"; image_dir = "images"; split_file = "split.json";
///   template = "a photo of a {}."; classnames = [ ... ]   # optional override, indexed by label
/// Relative root is resolved against the TOML file's folder; image_dir and split_file against root.
std::shared_ptr<Dataset> open_user_dataset(const std::string& toml_path);

/// Warnings collected while opening a dataset returned by the functions above
/// (empty for datasets of other kinds).
std::vector<DatasetProblem> dataset_problems(const Dataset& dataset);

/// Counts found on disk for `promptlab datasets` (no images are decoded).
struct DatasetScan {
  bool found = false;         // root folder and split files are present
  std::string message;        // why not found, or "" when found
  std::size_t n_classes = 0;  // from the split file / class list
  std::size_t n_train = 0, n_val = 0, n_test = 0;
  std::size_t n_missing = 0;  // entries whose image file is missing
  std::vector<std::string> missing_paths;  // files and folders of the layout that are absent, described
};

/// Opens the dataset and counts its items; never throws (errors go into message).
DatasetScan scan_reference_dataset(const std::string& name, const DatasetOptions& opts);

}  // namespace promptlab

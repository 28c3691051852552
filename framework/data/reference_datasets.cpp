// The eleven reference datasets and user datasets described by TOML.
#include "data/reference_datasets.hpp"

#include <filesystem>
#include <stdexcept>
#include <toml++/toml.h>

#include "data/dataset_layout.hpp"
#include "data/file_dataset.hpp"
#include "data/split_reader.hpp"

namespace promptlab {
namespace fs = std::filesystem;

const std::vector<ReferenceDatasetInfo>& reference_datasets() {
  static const std::vector<ReferenceDatasetInfo> infos = {
      {"imagenet", "ImageNet", "imagenet", "a photo of a {}.", 1000, "", "images", DatasetLayout::kImageNet},
      {"caltech101", "Caltech101", "caltech-101", "a photo of a {}.", 100, "split_zhou_Caltech101.json",
       "101_ObjectCategories"},
      {"oxford_pets", "OxfordPets", "oxford_pets", "a photo of a {}, a type of pet.", 37,
       "split_zhou_OxfordPets.json", "images"},
      {"stanford_cars", "StanfordCars", "stanford_cars", "a photo of a {}.", 196, "split_zhou_StanfordCars.json", ""},
      {"oxford_flowers", "Flowers102", "oxford_flowers", "a photo of a {}, a type of flower.", 102,
       "split_zhou_OxfordFlowers.json", "jpg"},
      {"food101", "Food101", "food-101", "a photo of {}, a type of food.", 101, "split_zhou_Food101.json", "images"},
      {"fgvc_aircraft", "FGVCAircraft", "fgvc_aircraft", "a photo of a {}, a type of aircraft.", 100, "", "images",
       DatasetLayout::kFgvcAircraft},
      {"sun397", "SUN397", "sun397", "a photo of a {}.", 397, "split_zhou_SUN397.json", "SUN397"},
      {"dtd", "DTD", "dtd", "{} texture.", 47, "split_zhou_DescribableTextures.json", "images"},
      {"eurosat", "EuroSAT", "eurosat", "a centered satellite photo of {}.", 10, "split_zhou_EuroSAT.json", "2750"},
      {"ucf101", "UCF101", "ucf101", "a photo of a person doing {}.", 101, "split_zhou_UCF101.json",
       "UCF-101-midframes"},
      {"imagenet_v2", "ImageNet-V2", "imagenetv2", "a photo of a {}.", 1000, "",
       "imagenetv2-matched-frequency-format-val", DatasetLayout::kImageNetByIndex},
      {"imagenet_sketch", "ImageNet-Sketch", "imagenet-sketch", "a photo of a {}.", 1000, "", "images",
       DatasetLayout::kImageNetByWnid},
      {"imagenet_a", "ImageNet-A", "imagenet-adversarial", "a photo of a {}.", 200, "", "imagenet-a",
       DatasetLayout::kImageNetByWnid},
      {"imagenet_r", "ImageNet-R", "imagenet-rendition", "a photo of a {}.", 200, "", "imagenet-r",
       DatasetLayout::kImageNetByWnid},
  };
  return infos;
}

bool is_test_only(const ReferenceDatasetInfo& info) {
  return info.layout == DatasetLayout::kImageNetByIndex || info.layout == DatasetLayout::kImageNetByWnid;
}

const ReferenceDatasetInfo* find_reference_dataset(const std::string& name) {
  for (const auto& info : reference_datasets()) {
    if (info.name == name) return &info;
  }
  return nullptr;
}

std::shared_ptr<Dataset> open_reference_dataset(const std::string& name, const DatasetOptions& opts) {
  const ReferenceDatasetInfo* info = find_reference_dataset(name);
  if (!info) {
    std::string known;
    for (const auto& i : reference_datasets()) known += (known.empty() ? "" : ", ") + i.name;
    throw std::invalid_argument("unknown reference dataset '" + name + "' (known: " + known + ")");
  }
  if (opts.root.empty()) throw std::runtime_error("dataset " + name + ": no data root given (--data-root)");
  if (!fs::is_directory(opts.root)) throw std::runtime_error("dataset " + name + ": data root not found: " + opts.root);
  const fs::path dir = fs::absolute(fs::path(opts.root) / info->folder).lexically_normal();
  if (const std::string missing = missing_paths_message(*info, opts.root); !missing.empty()) {
    throw std::runtime_error(missing);
  }
  std::shared_ptr<FileDataset> ds;
  if (info->layout == DatasetLayout::kImageNet) {
    ds = read_imagenet(dir.string(), info->name, info->prompt_template);
  } else if (is_test_only(*info)) {
    ds = read_imagenet_variant((dir / info->image_dir).string(), imagenet_class_list(*info, opts.root),
                               info->layout == DatasetLayout::kImageNetByIndex, info->name, info->prompt_template);
  } else if (info->layout == DatasetLayout::kFgvcAircraft) {
    ds = read_fgvc_aircraft(dir.string(), info->name, info->prompt_template);
  } else {
    const fs::path image_dir = info->image_dir.empty() ? dir : dir / info->image_dir;
    ZhouSplit split = read_zhou_split((dir / info->split_file).string(), image_dir.string());
    ds = std::make_shared<FileDataset>(info->name, std::move(split.classnames), info->prompt_template,
                                       std::move(split.train), std::move(split.val), std::move(split.test),
                                       std::move(split.problems));
    ds->set_missing_images(split.missing);
  }
  const auto n_classes = ds->classnames().size();
  if (static_cast<int>(n_classes) != info->expected_classes) {
    ds->add_problem({dir.string(), "dataset " + name + ": found " + std::to_string(n_classes) + " classes, expected " +
                                       std::to_string(info->expected_classes)});
  }
  return ds;
}

namespace {

std::string toml_string(const toml::table& t, const std::string& key, const std::string& file, bool required) {
  auto node = t[key];
  if (!node) {
    if (required) throw std::runtime_error("dataset file " + file + ": missing key '" + key + "'");
    return "";
  }
  auto value = node.value<std::string>();
  if (!value) throw std::runtime_error("dataset file " + file + ": key '" + key + "' must be a string");
  return *value;
}

}  // namespace

std::shared_ptr<Dataset> open_user_dataset(const std::string& toml_path) {
  if (!fs::is_regular_file(toml_path)) throw std::runtime_error("dataset file not found: " + toml_path);
  toml::table t;
  try {
    t = toml::parse_file(toml_path);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    throw std::runtime_error("dataset file " + toml_path + ":" + std::to_string(where.line) + ":" +
                             std::to_string(where.column) + ": " + std::string(e.description()));
  }
  const std::string name = toml_string(t, "name", toml_path, true);
  const std::string tmpl = toml_string(t, "template", toml_path, true);
  const std::string split_file = toml_string(t, "split_file", toml_path, true);
  std::string root = toml_string(t, "root", toml_path, false);
  const std::string image_dir = toml_string(t, "image_dir", toml_path, false);
  if (tmpl.find("{}") == std::string::npos) {
    throw std::runtime_error("dataset file " + toml_path + ": template '" + tmpl + "' has no {} placeholder");
  }
  fs::path root_path = root.empty() ? fs::path(".") : fs::path(root);
  if (root_path.is_relative()) root_path = fs::absolute(toml_path).parent_path() / root_path;
  root_path = root_path.lexically_normal();
  if (!fs::is_directory(root_path)) {
    throw std::runtime_error("dataset file " + toml_path + ": root not found: " + root_path.string());
  }
  fs::path split_path = fs::path(split_file).is_absolute() ? fs::path(split_file) : root_path / split_file;
  fs::path images = image_dir.empty() ? root_path : (fs::path(image_dir).is_absolute() ? fs::path(image_dir)
                                                                                       : root_path / image_dir);
  ZhouSplit split = read_zhou_split(split_path.string(), images.string());
  std::vector<std::string> classnames = split.classnames;
  if (auto* arr = t["classnames"].as_array()) {
    std::vector<std::string> override_names;
    for (const auto& node : *arr) {
      auto v = node.value<std::string>();
      if (!v) throw std::runtime_error("dataset file " + toml_path + ": classnames must be a list of strings");
      override_names.push_back(*v);
    }
    if (override_names.size() != classnames.size()) {
      throw std::runtime_error("dataset file " + toml_path + ": classnames has " +
                               std::to_string(override_names.size()) + " names but " + split_path.string() +
                               " has " + std::to_string(classnames.size()) + " classes");
    }
    classnames = std::move(override_names);
    for (auto* items : {&split.train, &split.val, &split.test}) {
      for (auto& item : *items) item.classname = classnames[static_cast<std::size_t>(item.label)];
    }
  } else if (t.contains("classnames")) {
    throw std::runtime_error("dataset file " + toml_path + ": classnames must be a list of strings");
  }
  auto ds = std::make_shared<FileDataset>(name, std::move(classnames), tmpl, std::move(split.train),
                                          std::move(split.val), std::move(split.test), std::move(split.problems));
  ds->set_missing_images(split.missing);
  return ds;
}

std::vector<DatasetProblem> dataset_problems(const Dataset& dataset) {
  if (auto* fd = dynamic_cast<const FileDataset*>(&dataset)) return fd->problems();
  return {};
}

DatasetScan scan_reference_dataset(const std::string& name, const DatasetOptions& opts) {
  DatasetScan scan;
  if (const ReferenceDatasetInfo* info = find_reference_dataset(name); info && !opts.root.empty()) {
    for (const auto& p : missing_paths(*info, opts.root)) scan.missing_paths.push_back(describe(p));
  }
  try {
    auto ds = open_reference_dataset(name, opts);
    scan.found = true;
    scan.n_classes = ds->classnames().size();
    scan.n_train = ds->items(Split::kTrain).size();
    scan.n_val = ds->items(Split::kVal).size();
    scan.n_test = ds->items(Split::kTest).size();
    if (auto* fd = dynamic_cast<const FileDataset*>(ds.get())) scan.n_missing = fd->missing_images();
  } catch (const std::exception& e) {
    scan.found = false;
    scan.message = e.what();
  }
  return scan;
}

}  // namespace promptlab

// The files and folders of each reference layout, checked without reading them.
#include "data/dataset_layout.hpp"

#include <filesystem>

#include "data/reference_datasets.hpp"

namespace promptlab {
namespace fs = std::filesystem;

std::vector<RequiredPath> required_paths(const ReferenceDatasetInfo& info, const std::string& root) {
  const fs::path dir = fs::absolute(fs::path(root) / info.folder).lexically_normal();
  auto folder = [](const fs::path& p, const std::string& what) { return RequiredPath{p.string(), true, what}; };
  auto file = [](const fs::path& p, const std::string& what) { return RequiredPath{p.string(), false, what}; };
  std::vector<RequiredPath> out{folder(dir, "dataset folder")};
  switch (info.layout) {
    case DatasetLayout::kZhouSplit:
      out.push_back(file(dir / info.split_file, "split file"));
      if (!info.image_dir.empty()) out.push_back(folder(dir / info.image_dir, "image folder"));
      break;
    case DatasetLayout::kImageNet:
      out.push_back(file(dir / "classnames.txt", "class list"));
      out.push_back(folder(dir / info.image_dir / "train", "training image folder"));
      out.push_back(folder(dir / info.image_dir / "val", "validation image folder (the test split)"));
      break;
    case DatasetLayout::kImageNetByIndex:
    case DatasetLayout::kImageNetByWnid: {
      out.push_back(folder(dir / info.image_dir, "image folder"));
      RequiredPath list = file(dir / "classnames.txt", "class list");
      list.alternative = fs::absolute(fs::path(root) / "imagenet" / "classnames.txt").lexically_normal().string();
      out.push_back(list);
      break;
    }
    case DatasetLayout::kFgvcAircraft:
      out.push_back(file(dir / "variants.txt", "variant list"));
      for (const char* split : {"train", "val", "test"}) {
        out.push_back(file(dir / (std::string("images_variant_") + split + ".txt"), std::string(split) + " list"));
      }
      out.push_back(folder(dir / info.image_dir, "image folder"));
      break;
  }
  return out;
}

std::vector<RequiredPath> missing_paths(const ReferenceDatasetInfo& info, const std::string& root) {
  std::vector<RequiredPath> missing;
  auto exists = [](const std::string& path, bool folder) {
    return !path.empty() && (folder ? fs::is_directory(path) : fs::is_regular_file(path));
  };
  for (auto& p : required_paths(info, root)) {
    if (!exists(p.path, p.folder) && !exists(p.alternative, p.folder)) missing.push_back(std::move(p));
  }
  return missing;
}

std::string describe(const RequiredPath& path) {
  const std::string slash = path.folder ? "/" : "";
  std::string text = path.what + " " + path.path + slash;
  if (!path.alternative.empty()) text += " (or " + path.alternative + slash + ")";
  return text;
}

std::string imagenet_class_list(const ReferenceDatasetInfo& info, const std::string& root) {
  const fs::path own = fs::absolute(fs::path(root) / info.folder / "classnames.txt").lexically_normal();
  if (fs::is_regular_file(own)) return own.string();
  return fs::absolute(fs::path(root) / "imagenet" / "classnames.txt").lexically_normal().string();
}

std::string missing_paths_message(const ReferenceDatasetInfo& info, const std::string& root) {
  const auto missing = missing_paths(info, root);
  if (missing.empty()) return "";
  std::string text = "dataset " + info.name + ": not found under data root " +
                     fs::absolute(root).lexically_normal().string() + ": ";
  for (std::size_t i = 0; i < missing.size(); ++i) text += (i ? "; " : "") + describe(missing[i]);
  return text;
}

}  // namespace promptlab

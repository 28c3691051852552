// Readers for split_zhou JSON files, the ImageNet folder layout and FGVCAircraft's text files.
#include "data/split_reader.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "clip/unicode_utf8.hpp"

namespace promptlab {
namespace fs = std::filesystem;

namespace {

// Individual missing-image warnings kept per file; the rest are summarised in one line.
constexpr std::size_t kMaxMissingWarnings = 20;

std::string read_text_file(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(what + " not found: " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string underscores_to_spaces(std::string s) {
  std::replace(s.begin(), s.end(), '_', ' ');
  return s;
}

std::string join_path(const std::string& dir, const std::string& rel) {
  return (fs::path(dir) / fs::path(rel)).lexically_normal().string();
}

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

bool is_image_name(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == ".jpg" || ext == ".jpeg" || ext == ".png" || ext == ".bmp";
}

// Collects missing-image warnings, keeping the first few and counting the rest.
struct MissingLog {
  std::string source;
  std::size_t count = 0;
  std::size_t checked = 0;
  void add(std::vector<DatasetProblem>& out, const std::string& image, const std::string& where) {
    ++count;
    if (count <= kMaxMissingWarnings) out.push_back({image, source + ": " + where + ": image not found: " + image});
  }
  void finish(std::vector<DatasetProblem>& out, const std::string& image_dir) const {
    if (count > kMaxMissingWarnings) {
      out.push_back({source, source + ": " + std::to_string(count - kMaxMissingWarnings) +
                                 " more entries skipped because their image is missing under " + image_dir});
    }
    if (checked > 0 && count == checked) {
      throw std::runtime_error(source + ": none of its " + std::to_string(checked) +
                               " images exist under " + image_dir + " (wrong image folder?)");
    }
  }
};

// One `<key> <value>` line of a text list (the value may hold spaces).
struct KeyValueLine {
  int line_no;
  std::string key, value;
};

// The non-blank lines of the text file `path` (`what` names it in errors) as key and value;
// a line without a value throws naming the file, line and the `expected` form.
std::vector<KeyValueLine> read_key_value_lines(const std::string& path, const std::string& what,
                                               const std::string& expected) {
  std::istringstream lines(read_text_file(path, what));
  std::vector<KeyValueLine> out;
  std::string line;
  int line_no = 0;
  while (std::getline(lines, line)) {
    ++line_no;
    line = trim(line);
    if (line.empty()) continue;
    const auto sp = line.find_first_of(" \t");
    if (sp == std::string::npos) {
      throw std::runtime_error(path + ":" + std::to_string(line_no) + ": expected '" + expected + "'");
    }
    std::u32string decoded;
    std::size_t bad = 0;
    if (!unicode::try_decode_utf8(line, decoded, bad)) {
      throw std::runtime_error(path + ":" + std::to_string(line_no) + ": invalid UTF-8 at byte " + std::to_string(bad + 1) +
                               " of the line");
    }
    out.push_back({line_no, line.substr(0, sp), trim(line.substr(sp + 1))});
  }
  return out;
}

// `<wnid> <class name>` lines of an ImageNet class list, in file order.
std::vector<std::pair<std::string, std::string>> read_imagenet_class_list(const std::string& path) {
  std::vector<std::pair<std::string, std::string>> out;
  for (auto& l : read_key_value_lines(path, "ImageNet class list", "<wnid> <class name>")) {
    out.emplace_back(std::move(l.key), std::move(l.value));
  }
  return out;
}

// Image files of a folder, sorted by name (empty when the folder is absent).
std::vector<std::string> list_images(const fs::path& folder) {
  std::vector<std::string> files;
  if (!fs::is_directory(folder)) return files;
  for (const auto& e : fs::directory_iterator(folder)) {
    if (e.is_regular_file() && is_image_name(e.path())) files.push_back(e.path().lexically_normal().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// Names of the sub-folders of `dir`, sorted (files such as README.txt are ignored).
std::vector<std::string> list_folders(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.is_directory()) names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

ZhouSplit read_zhou_split(const std::string& split_path, const std::string& image_dir, bool check_images) {
  if (!fs::exists(split_path)) throw std::runtime_error("split file not found: " + split_path);
  std::string text = read_text_file(split_path, "split file");
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw std::runtime_error("split file " + split_path + ": malformed JSON at byte " + std::to_string(e.byte) +
                             ": " + e.what());
  }
  if (!doc.is_object()) throw std::runtime_error("split file " + split_path + ": expected a JSON object");
  const std::string image_root = fs::absolute(image_dir).lexically_normal().string();
  ZhouSplit out;
  std::map<std::int64_t, std::string> names;
  MissingLog missing{split_path};
  const char* keys[3] = {"train", "val", "test"};
  std::vector<DataItem>* dests[3] = {&out.train, &out.val, &out.test};
  for (int s = 0; s < 3; ++s) {
    auto it = doc.find(keys[s]);
    if (it == doc.end() || !it->is_array()) {
      throw std::runtime_error("split file " + split_path + ": missing \"" + keys[s] + "\" list");
    }
    std::size_t index = 0;
    for (const auto& entry : *it) {
      std::string where = std::string(keys[s]) + "[" + std::to_string(index++) + "]";
      if (!entry.is_array() || entry.size() < 3 || !entry[0].is_string() || !entry[1].is_number_integer() ||
          !entry[2].is_string()) {
        throw std::runtime_error("split file " + split_path + ": entry " + where +
                                 " is not [relpath, label, classname]: " + entry.dump());
      }
      auto label = entry[1].get<std::int64_t>();
      if (label < 0) throw std::runtime_error("split file " + split_path + ": entry " + where + " has a negative label");
      std::string classname = underscores_to_spaces(entry[2].get<std::string>());
      auto [pos, inserted] = names.emplace(label, classname);
      if (!inserted && pos->second != classname) {
        out.problems.push_back({split_path, split_path + ": entry " + where + ": class name '" + classname +
                                                "' differs from '" + pos->second + "' for label " +
                                                std::to_string(label) + "; using the first"});
      }
      std::string path = join_path(image_root, entry[0].get<std::string>());
      if (check_images) {
        ++missing.checked;
        if (!fs::is_regular_file(path)) {
          missing.add(out.problems, path, "entry " + where);
          continue;
        }
      }
      dests[s]->push_back({path, label, pos->second});
    }
  }
  missing.finish(out.problems, image_root);
  out.missing = missing.count;
  std::int64_t expected = 0;
  for (const auto& [label, name] : names) {
    if (label != expected) {
      throw std::runtime_error("split file " + split_path + ": label " + std::to_string(expected) +
                               " has no entries (labels must be 0..n-1)");
    }
    out.classnames.push_back(name);
    ++expected;
  }
  return out;
}

std::shared_ptr<FileDataset> read_imagenet(const std::string& dir, const std::string& name,
                                           const std::string& prompt_template) {
  // Our val split: the last kValPerClass images (by file name) of each train class, removed from
  // train. CoOp evaluates on the official val set for both val and test; we keep test = official
  // val and hold out a deterministic part of train instead so that validation never sees test.
  constexpr std::size_t kValPerClass = 10;
  const std::string classnames_path = (fs::path(dir) / "classnames.txt").string();
  const std::string train_dir = (fs::path(dir) / "images" / "train").string();
  const std::string val_dir = (fs::path(dir) / "images" / "val").string();
  std::map<std::string, std::string> wnid_names;
  for (auto& [wnid, classname] : read_imagenet_class_list(classnames_path)) wnid_names[wnid] = classname;
  if (!fs::is_directory(train_dir)) throw std::runtime_error("ImageNet train folder not found: " + train_dir);
  if (!fs::is_directory(val_dir)) throw std::runtime_error("ImageNet val folder not found: " + val_dir);
  const std::vector<std::string> wnids = list_folders(train_dir);
  if (wnids.empty()) throw std::runtime_error("ImageNet train folder has no class folders: " + train_dir);
  std::vector<std::string> classnames;
  std::vector<DatasetProblem> problems;
  for (const auto& w : wnids) {
    auto it = wnid_names.find(w);
    if (it == wnid_names.end()) {
      throw std::runtime_error(classnames_path + ": no class name for folder " + (fs::path(train_dir) / w).string());
    }
    classnames.push_back(it->second);
  }
  std::vector<DataItem> train, val, test;
  for (std::size_t label = 0; label < wnids.size(); ++label) {
    auto files = list_images(fs::absolute(train_dir) / wnids[label]);
    std::size_t n_val = files.size() > kValPerClass ? kValPerClass : files.size() / 2;
    for (std::size_t i = 0; i < files.size(); ++i) {
      auto& dest = i + n_val >= files.size() ? val : train;
      dest.push_back({files[i], static_cast<std::int64_t>(label), classnames[label]});
    }
    auto test_files = list_images(fs::absolute(val_dir) / wnids[label]);
    if (test_files.empty()) {
      problems.push_back({(fs::path(val_dir) / wnids[label]).string(),
                          "ImageNet: no val (test) images for class " + wnids[label] + " under " + val_dir});
    }
    for (auto& f : test_files) test.push_back({f, static_cast<std::int64_t>(label), classnames[label]});
  }
  return std::make_shared<FileDataset>(name, std::move(classnames), prompt_template, std::move(train), std::move(val),
                                       std::move(test), std::move(problems));
}

std::shared_ptr<FileDataset> read_imagenet_variant(const std::string& image_dir,
                                                   const std::string& class_list, bool by_index,
                                                   const std::string& name, const std::string& prompt_template) {
  const auto list = read_imagenet_class_list(class_list);
  if (list.empty()) throw std::runtime_error("ImageNet class list is empty: " + class_list);
  const fs::path images = fs::absolute(image_dir).lexically_normal();
  std::vector<std::string> classnames;
  std::vector<DataItem> test;
  std::vector<DatasetProblem> problems;
  if (by_index) {
    for (const auto& [wnid, classname] : list) classnames.push_back(classname);
    for (const auto& folder : list_folders(images)) {
      std::size_t used = 0;
      long label = -1;
      try {
        label = std::stol(folder, &used);
      } catch (const std::exception&) {
      }
      if (used != folder.size() || label < 0 || label >= static_cast<long>(list.size())) {
        problems.push_back({(images / folder).string(), name + ": folder " + (images / folder).string() +
                                                            " is not a class index 0.." +
                                                            std::to_string(list.size() - 1) + "; skipped"});
        continue;
      }
      for (auto& f : list_images(images / folder)) {
        test.push_back({f, label, classnames[static_cast<std::size_t>(label)]});
      }
    }
    std::sort(test.begin(), test.end(), [](const DataItem& a, const DataItem& b) {
      return a.label != b.label ? a.label < b.label : a.id < b.id;
    });
  } else {
    std::map<std::string, std::string> wnid_names(list.begin(), list.end());
    for (const auto& wnid : list_folders(images)) {
      auto it = wnid_names.find(wnid);
      if (it == wnid_names.end()) {
        throw std::runtime_error(class_list + ": no class name for folder " + (images / wnid).string());
      }
      const auto label = static_cast<std::int64_t>(classnames.size());
      classnames.push_back(it->second);
      for (auto& f : list_images(images / wnid)) test.push_back({f, label, it->second});
    }
  }
  if (test.empty()) throw std::runtime_error(name + ": no images under " + images.string());
  return std::make_shared<FileDataset>(name, std::move(classnames), prompt_template, std::vector<DataItem>{},
                                       std::vector<DataItem>{}, std::move(test), std::move(problems));
}

std::shared_ptr<FileDataset> read_fgvc_aircraft(const std::string& dir, const std::string& name,
                                                const std::string& prompt_template) {
  const std::string variants_path = (fs::path(dir) / "variants.txt").string();
  std::string text = read_text_file(variants_path, "FGVCAircraft variant list");
  std::vector<std::string> classnames;
  std::map<std::string, std::int64_t> label_of;
  {
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
      line = trim(line);
      if (line.empty()) continue;
      label_of.emplace(line, static_cast<std::int64_t>(classnames.size()));
      classnames.push_back(line);
    }
  }
  if (classnames.empty()) throw std::runtime_error("FGVCAircraft variant list is empty: " + variants_path);
  std::vector<DatasetProblem> problems;
  std::size_t n_missing = 0;
  const fs::path image_dir = fs::absolute(fs::path(dir) / "images").lexically_normal();
  auto read_list = [&](const std::string& split) {
    const std::string path = (fs::path(dir) / ("images_variant_" + split + ".txt")).string();
    std::vector<DataItem> items;
    MissingLog missing{path};
    for (const auto& [line_no, id, variant] :
         read_key_value_lines(path, "FGVCAircraft split file", "<image id> <variant>")) {
      const std::string where = "line " + std::to_string(line_no);
      auto it = label_of.find(variant);
      if (it == label_of.end()) {
        throw std::runtime_error(path + ":" + std::to_string(line_no) + ": variant '" + variant +
                                 "' is not in " + variants_path);
      }
      std::string image = (image_dir / (id + ".jpg")).string();
      ++missing.checked;
      if (!fs::is_regular_file(image)) {
        missing.add(problems, image, where);
        continue;
      }
      items.push_back({image, it->second, classnames[static_cast<std::size_t>(it->second)]});
    }
    missing.finish(problems, image_dir.string());
    n_missing += missing.count;
    return items;
  };
  auto train = read_list("train");
  auto val = read_list("val");
  auto test = read_list("test");
  auto ds = std::make_shared<FileDataset>(name, std::move(classnames), prompt_template, std::move(train),
                                          std::move(val), std::move(test), std::move(problems));
  ds->set_missing_images(n_missing);
  return ds;
}

}  // namespace promptlab

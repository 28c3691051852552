// Embedded datasets: scenes by (dataset, split, index), rendered on demand.
#include "world/suite_dataset.hpp"

#include <stdexcept>

#include "util/fnv1a.hpp"
#include "world/fashion_mnist.hpp"
#include "world/renderer.hpp"
#include "world/vocabulary.hpp"

namespace promptlab::world {
namespace {

Split parse_split(const std::string& text, const std::string& id) {
  if (text == "train") return Split::kTrain;
  if (text == "val") return Split::kVal;
  if (text == "test") return Split::kTest;
  throw std::invalid_argument("world: item id '" + id + "' has unknown split '" + text + "'");
}

}  // namespace

SuiteDataset::SuiteDataset(SuiteDatasetInfo info) : info_(std::move(info)) {
  if (info_.classnames.size() != info_.class_specs.size())
    throw std::invalid_argument("world: dataset " + info_.name + " has " + std::to_string(info_.classnames.size()) +
                                " class names but " + std::to_string(info_.class_specs.size()) + " class specs");
}

int SuiteDataset::per_class(Split split) const {
  switch (split) {
    case Split::kTrain: return info_.train_per_class;
    case Split::kVal: return info_.val_per_class;
    default: return info_.test_per_class;
  }
}

std::vector<DataItem> SuiteDataset::items(Split split) const {
  const int n = static_cast<int>(info_.classnames.size());
  const int total = n * per_class(split);
  std::vector<DataItem> out;
  out.reserve(static_cast<std::size_t>(total));
  for (int i = 0; i < total; ++i) {
    DataItem item;
    item.id = "world:" + info_.name + ":" + to_string(split) + ":" + std::to_string(i);
    item.label = i % n;
    item.classname = info_.classnames[static_cast<std::size_t>(item.label)];
    out.push_back(std::move(item));
  }
  return out;
}

Scene SuiteDataset::scene(Split split, int index) const {
  const int n = static_cast<int>(info_.classnames.size());
  if (index < 0 || index >= n * per_class(split))
    throw std::out_of_range("world: dataset " + info_.name + " has no item " + std::to_string(index) + " in split " +
                            to_string(split));
  const int label = index % n, k = index / n;
  SceneSpec spec = info_.class_specs[static_cast<std::size_t>(label)];
  Rng rng(mix_seed(mix_seed(fnv1a64(info_.name), static_cast<std::uint64_t>(split) + 1),
                   static_cast<std::uint64_t>(index)));
  if (spec.size < 0 && info_.min_size > 0) spec.size = rng.range(info_.min_size, 2);
  if (spec.object >= 0 && is_fashion(spec.object)) {
    // Fashion items come from disjoint slices of the t10k split: test, then val, then train.
    spec.fashion_source = FashionSource::kTest;
    int offset = split == Split::kTest ? 0 : (split == Split::kVal ? info_.test_per_class
                                                                  : info_.test_per_class + info_.val_per_class);
    const auto& pool = fashion_test().by_label[static_cast<std::size_t>(spec.object - num_shapes())];
    spec.fashion_index = pool.at(static_cast<std::size_t>(offset + k));
  }
  return sample_scene(rng, spec);
}

Image SuiteDataset::load_image(const DataItem& item) const {
  // id = world:<dataset>:<split>:<index>
  const std::string prefix = "world:" + info_.name + ":";
  if (item.id.compare(0, prefix.size(), prefix) != 0)
    throw std::invalid_argument("world: item id '" + item.id + "' does not belong to dataset " + info_.name);
  auto colon = item.id.find(':', prefix.size());
  if (colon == std::string::npos) throw std::invalid_argument("world: malformed item id '" + item.id + "'");
  Split split = parse_split(item.id.substr(prefix.size(), colon - prefix.size()), item.id);
  int index = 0;
  try {
    index = std::stoi(item.id.substr(colon + 1));
  } catch (const std::exception&) {
    throw std::invalid_argument("world: malformed item index in id '" + item.id + "'");
  }
  Image image = render_scene(scene(split, index), 64);
  if (info_.shift == DomainShift::kNone) return image;
  return apply_domain_shift(image, info_.shift, mix_seed(fnv1a64(item.id), 0x5bd1e995u));
}

std::string SuiteDataset::content_key() const {
  std::string key = std::string("world:") + info_.name + ":" + kWorldVersion + ":" +
                    std::to_string(info_.train_per_class) + "/" + std::to_string(info_.val_per_class) + "/" +
                    std::to_string(info_.test_per_class);
  if (info_.shift != DomainShift::kNone) key += ":" + to_string(info_.shift);
  return key;
}

}  // namespace promptlab::world

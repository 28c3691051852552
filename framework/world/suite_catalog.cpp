// The embedded suite's datasets: class names favour the rarer caption synonyms and the
// templates differ from the caption style, so zero-shot errors are systematic.
#include <stdexcept>

#include "world/suite.hpp"
#include "world/suite_dataset.hpp"
#include "world/vocabulary.hpp"

namespace promptlab::world {
namespace {

SceneSpec downstream(double fashion_rate = 0.0, double distractor_rate = 0.2) {
  SceneSpec s;
  s.long_tail = false;
  s.fashion_rate = fashion_rate;
  s.distractor_rate = distractor_rate;
  s.fashion_source = FashionSource::kTest;
  return s;
}

SuiteDatasetInfo shapes() {
  SuiteDatasetInfo d;
  d.name = "tiny_shapes";
  d.prompt_template = "a photo of a {}.";
  d.classnames = {"disc",    "square",  "trigon",  "star",    "love heart", "plus sign", "hexagon",     "pentagon",
                  "rhombus", "donut",   "crescent", "pointer", "ellipse",   "trapezium", "half circle", "droplet"};
  for (int s = 0; s < num_shapes(); ++s) {
    SceneSpec spec = downstream();
    spec.object = s;
    d.class_specs.push_back(spec);
  }
  return d;
}

SuiteDatasetInfo colors() {
  SuiteDatasetInfo d;
  d.name = "tiny_colors";
  d.prompt_template = "a photo of a {} thing.";
  d.classnames = {"red",      "dark red", "orange", "yellow", "light green", "green", "blue-green", "turquoise",
                  "blue",     "dark blue", "violet", "pink",  "brown",       "white", "grey",       "black"};
  for (int c = 0; c < static_cast<int>(colour_concepts().size()); ++c) {
    SceneSpec spec = downstream(0.35);
    spec.colour = c;
    d.class_specs.push_back(spec);
  }
  return d;
}

SuiteDatasetInfo textures() {
  SuiteDatasetInfo d;
  d.name = "tiny_textures";
  d.prompt_template = "a close-up photo of a {} surface.";
  d.classnames = {"plain", "banded", "chequered", "polka-dot", "lattice",
                  "chevron", "rippled", "hatched", "concentric", "tartan"};
  for (int p = 0; p < static_cast<int>(pattern_concepts().size()); ++p) {
    SceneSpec spec = downstream();
    spec.pattern = p;
    d.class_specs.push_back(spec);
  }
  d.min_size = 1;
  return d;
}

SuiteDatasetInfo fashion() {
  SuiteDatasetInfo d;
  d.name = "tiny_fashion";
  d.prompt_template = "a photo of a {}, a type of clothing.";
  d.classnames = {"t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle boot"};
  for (int f = 0; f < 10; ++f) {
    SceneSpec spec = downstream();
    spec.object = num_shapes() + f;
    d.class_specs.push_back(spec);
  }
  d.min_size = 1;
  return d;
}

SuiteDatasetInfo objects() {
  SuiteDatasetInfo d;
  d.name = "tiny_objects";
  d.prompt_template = "a photo of the {}.";
  const int shape_ids[3] = {4, 3, 0};
  const char* shape_names[3] = {"heart", "star", "disc"};
  const int colour_ids[6] = {0, 1, 2, 8, 9, 7};
  const char* colour_names[6] = {"red", "crimson", "orange", "blue", "navy", "cyan"};
  for (int s = 0; s < 3; ++s) {
    for (int c = 0; c < 6; ++c) {
      // Always a distractor: the class is the main object's colour-shape pair, not any pair
      // in the picture (without it the tiny CLIP saturated this dataset at 97 %).
      SceneSpec spec = downstream(0.0, 1.0);
      spec.object = shape_ids[s];
      spec.colour = colour_ids[c];
      spec.pattern = 0;
      d.classnames.push_back(std::string(colour_names[c]) + " " + shape_names[s]);
      d.class_specs.push_back(spec);
    }
  }
  return d;
}

SuiteDatasetInfo scenes() {
  SuiteDatasetInfo d;
  d.name = "tiny_scenes";
  d.prompt_template = "itap of a {}.";
  const int pattern_ids[4] = {1, 3, 2, 8};
  const char* pattern_names[4] = {"stripy", "spotted", "checked", "concentric"};
  const int shape_ids[3] = {0, 2, 1};
  const char* shape_names[3] = {"circle", "triangle", "square"};
  for (int s = 0; s < 3; ++s) {
    for (int p = 0; p < 4; ++p) {
      SceneSpec spec = downstream(0.0, 1.0);
      spec.object = shape_ids[s];
      spec.pattern = pattern_ids[p];
      d.classnames.push_back(std::string(pattern_names[p]) + " " + shape_names[s]);
      d.class_specs.push_back(spec);
    }
  }
  d.min_size = 1;
  return d;
}

}  // namespace

const std::vector<SuiteDatasetInfo>& suite_dataset_infos() {
  static const std::vector<SuiteDatasetInfo> infos = {shapes(), colors(), textures(), fashion(), objects(), scenes()};
  return infos;
}

namespace {

// tiny_shapes' classes redrawn with `shift`; `stride` > 1 keeps every stride-th class only (as
// ImageNet-A and -R keep 200 of ImageNet's 1000).
SuiteDatasetInfo shifted_shapes(const std::string& suffix, DomainShift shift, int stride, double distractor_rate) {
  const SuiteDatasetInfo source = shapes();
  SuiteDatasetInfo d;
  d.name = source.name + "_" + suffix;
  d.prompt_template = source.prompt_template;
  for (std::size_t c = 0; c < source.classnames.size(); c += static_cast<std::size_t>(stride)) {
    d.classnames.push_back(source.classnames[c]);
    SceneSpec spec = source.class_specs[c];
    spec.distractor_rate = distractor_rate;
    d.class_specs.push_back(spec);
  }
  d.train_per_class = 0;
  d.val_per_class = 0;
  d.shift = shift;
  return d;
}

}  // namespace

const std::vector<SuiteDatasetInfo>& suite_target_infos() {
  static const std::vector<SuiteDatasetInfo> infos = {
      shifted_shapes("sketch", DomainShift::kSketch, 1, 0.2),
      shifted_shapes("noisy", DomainShift::kNoisy, 1, 0.2),
      shifted_shapes("clutter", DomainShift::kClutter, 2, 1.0),
  };
  return infos;
}

}  // namespace promptlab::world

namespace promptlab {

std::vector<std::string> embedded_dataset_names() {
  std::vector<std::string> names;
  for (const auto& info : world::suite_dataset_infos()) names.push_back(info.name);
  return names;
}

std::vector<std::string> embedded_target_names() {
  std::vector<std::string> names;
  for (const auto& info : world::suite_target_infos()) names.push_back(info.name);
  return names;
}

std::shared_ptr<Dataset> open_embedded_dataset(const std::string& name) {
  for (const auto* infos : {&world::suite_dataset_infos(), &world::suite_target_infos()}) {
    for (const auto& info : *infos) {
      if (info.name == name) return std::make_shared<world::SuiteDataset>(info);
    }
  }
  std::string valid;
  for (const auto& n : embedded_dataset_names()) valid += (valid.empty() ? "" : ", ") + n;
  for (const auto& n : embedded_target_names()) valid += ", " + n;
  throw std::invalid_argument("unknown embedded dataset '" + name + "' (valid: " + valid + ")");
}

}  // namespace promptlab

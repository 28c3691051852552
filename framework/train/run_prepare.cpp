#include "train/run_prepare.hpp"

#include <filesystem>

#include "data/item_labels.hpp"
#include "registry/plugin_host.hpp"
#include "train/features.hpp"

namespace promptlab {

RunData prepare_data(const Dataset& dataset, const Config& config, const Protocol& protocol, std::int64_t seed,
                     const std::string& side_dir, std::vector<std::string>& warnings) {
  std::filesystem::create_directories(side_dir);
  const int shots = static_cast<int>(config.get_int("data.shots"));
  RunData d;
  d.few_shot = load_or_sample_few_shot(dataset, shots, static_cast<std::uint64_t>(seed), side_dir + "/splits");
  d.few_shot_file = few_shot_split_path(dataset, shots, static_cast<std::uint64_t>(seed), side_dir + "/splits");
  warnings.insert(warnings.end(), d.few_shot.warnings.begin(), d.few_shot.warnings.end());
  d.all_classnames = dataset.classnames();
  d.base2new = protocol.subsample == "base2new";
  d.train_set = subsample_classes(d.few_shot.train, d.all_classnames, d.base2new ? ClassSubset::kBase : ClassSubset::kAll,
                                  d.few_shot.train);
  d.test_items = dataset.items(Split::kTest);
  return d;
}

std::shared_ptr<Learner> build_learner(const PluginHost& host, const MethodSpec& spec, const ModelBundle& model,
                                       const Dataset& dataset, const RunData& data, const Config& config,
                                       std::int64_t seed, std::shared_ptr<ZeroShotTeacher>& teacher) {
  LearnerContext ctx;
  ctx.clip = model.clip;
  ctx.tokenizer = model.tokenizer.get();
  ctx.classnames = data.train_set.classnames;
  ctx.prompt_template = dataset.prompt_template();
  ctx.config = config;
  ctx.device = model.device;
  teacher = std::make_shared<ZeroShotTeacher>(model.clip, *model.tokenizer, ctx.prompt_template, ctx.classnames,
                                              model.device);
  ctx.zero_shot = teacher;
  torch::manual_seed(static_cast<std::uint64_t>(seed));
  std::shared_ptr<Learner> learner = host.make_learner(spec.learner, ctx);
  learner->to(model.device);
  return learner;
}

FeatureCache run_feature_cache(const std::string& shared_dir, const ModelBundle& model, bool enabled) {
  return FeatureCache(shared_dir + "/features", model.checksum + "-" + to_string(model.precision), enabled);
}

InputSource input_source(const Learner& learner, ModelBundle& model, FeatureCache& cache,
                         std::vector<std::string>& warnings, const std::atomic<bool>* stop) {
  const int resolution = static_cast<int>(model.clip->config().image_resolution);
  if (learner.input() == LearnerInput::kImages) {
    return [resolution, &warnings](const Dataset& from, const std::vector<DataItem>& items,
                                   const std::string& transform, int view, double scale_min) {
      return preprocessed_images(from, items, resolution, transform, view, warnings, scale_min);
    };
  }
  return [&model, &cache, &warnings, stop](const Dataset& from, const std::vector<DataItem>& items,
                                           const std::string& transform, int view, double scale_min) {
    return image_features(model, from, items, transform, view, cache, warnings, stop, scale_min);
  };
}

TrainData training_data(const InputSource& inputs, const Dataset& dataset, const RunData& data, const Config& config,
                        const ModelBundle& model, std::shared_ptr<ZeroShotTeacher> teacher,
                        std::vector<std::string>& warnings) {
  const int views = std::max<int>(1, static_cast<int>(config.get_int("train.views")));
  const double crop_scale_min = config.get_double("data.crop_scale_min");
  TrainData out;
  for (int v = 0; v < views; ++v) {
    out.views.push_back(inputs(dataset, data.train_set.items, "train", v, crop_scale_min).to(model.device));
  }
  out.labels = labels_of(data.train_set.items).to(model.device);
  out.zero_shot = std::move(teacher);
  const std::int64_t listed = out.labels.size(0);
  const std::int64_t readable = drop_unreadable(out.views, out.labels);
  if (readable == 0) {
    throw std::runtime_error("none of the " + std::to_string(listed) + " training images could be read");
  }
  if (readable < listed) {
    warnings.push_back(std::to_string(listed - readable) + " of " + std::to_string(listed) +
                       " training images were unreadable and left out of training");
  }
  return out;
}

}  // namespace promptlab

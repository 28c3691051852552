#include "train/run_prepare.hpp"

#include <algorithm>
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
    return {[resolution, &warnings](const Dataset& from, const std::vector<DataItem>& items,
                                    const std::string& transform, int view, double scale_min) {
              return preprocessed_images(from, items, resolution, transform, view, warnings, scale_min);
            },
            /*streamed=*/true};
  }
  return {[&model, &cache, &warnings, stop](const Dataset& from, const std::vector<DataItem>& items,
                                            const std::string& transform, int view, double scale_min) {
            return image_features(model, from, items, transform, view, cache, warnings, stop, scale_min);
          },
          /*streamed=*/false};
}

std::vector<DataItem> item_range(const std::vector<DataItem>& items, std::size_t begin, std::size_t count) {
  const std::size_t first = std::min(begin, items.size());
  const std::size_t last = first + std::min(count, items.size() - first);
  return {items.begin() + static_cast<std::ptrdiff_t>(first), items.begin() + static_cast<std::ptrdiff_t>(last)};
}

namespace {

// The items of `items` at `rows` (int64, CPU).
std::vector<DataItem> items_at(const std::vector<DataItem>& items, const torch::Tensor& rows) {
  const torch::Tensor r = rows.to(torch::kCPU, torch::kInt64).contiguous();
  std::vector<DataItem> out;
  out.reserve(static_cast<std::size_t>(r.numel()));
  for (std::int64_t k = 0; k < r.numel(); ++k) out.push_back(items.at(static_cast<std::size_t>(r.data_ptr<std::int64_t>()[k])));
  return out;
}

// Streamed views: one pass over view 0, a chunk at a time and keeping nothing but which items
// decode, so that the set and its labels are fixed before training; then a source of batches.
TrainData streamed_training_data(const InputSource& inputs, const Dataset& dataset, const std::vector<DataItem>& items,
                                 int views, double crop_scale_min, const torch::Device& device) {
  std::vector<DataItem> readable;
  for (std::size_t begin = 0; begin < items.size(); begin += kStreamedItems) {
    const std::vector<DataItem> chunk = item_range(items, begin, kStreamedItems);
    const torch::Tensor ok = readable_rows(inputs(dataset, chunk, "train", 0, crop_scale_min)).to(torch::kCPU);
    const auto read = ok.accessor<bool, 1>();
    for (std::size_t k = 0; k < chunk.size(); ++k) {
      if (read[static_cast<std::int64_t>(k)]) readable.push_back(chunk[k]);
    }
  }
  TrainData out;
  out.labels = labels_of(readable).to(device);
  out.streamed_views = views;
  out.stream = [inputs, &dataset, readable = std::move(readable), crop_scale_min, device](int view,
                                                                                          const torch::Tensor& rows) {
    return inputs(dataset, items_at(readable, rows), "train", view, crop_scale_min).to(device);
  };
  return out;
}

}  // namespace

TrainData training_data(const InputSource& inputs, const Dataset& dataset, const RunData& data, const Config& config,
                        const ModelBundle& model, std::shared_ptr<ZeroShotTeacher> teacher,
                        std::vector<std::string>& warnings) {
  const int views = std::max<int>(1, static_cast<int>(config.get_int("train.views")));
  const double crop_scale_min = config.get_double("data.crop_scale_min");
  const std::int64_t listed = static_cast<std::int64_t>(data.train_set.items.size());
  TrainData out;
  if (inputs.streamed) {
    out = streamed_training_data(inputs, dataset, data.train_set.items, views, crop_scale_min, model.device);
  } else {
    for (int v = 0; v < views; ++v) {
      out.views.push_back(inputs(dataset, data.train_set.items, "train", v, crop_scale_min).to(model.device));
    }
    out.labels = labels_of(data.train_set.items).to(model.device);
    drop_unreadable(out.views, out.labels);
  }
  out.zero_shot = std::move(teacher);
  const std::int64_t readable = out.labels.size(0);
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

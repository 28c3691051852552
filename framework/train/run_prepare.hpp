#pragma once
// Stage 2 of a run, prepare: the few-shot split and its classes, the learner with its zero-shot
// teacher, and the learner's inputs (cached image features, or images for learners that take them).
#include <torch/torch.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "data/base_new.hpp"
#include "data/feature_cache.hpp"
#include "data/few_shot.hpp"
#include "promptlab/learner.hpp"
#include "train/evaluate.hpp"
#include "train/model_source.hpp"
#include "train/protocol.hpp"
#include "train/run_plan.hpp"
#include "train/trainer.hpp"

namespace promptlab {

class PluginHost;

/// The data a run trains and is tested on.
struct RunData {
  FewShotSplit few_shot;
  std::string few_shot_file;              // where the split is kept (recorded with the run)
  std::vector<std::string> all_classnames;
  bool base2new = false;                  // protocol.subsample == "base2new"
  Subsampled train_set;                   // base classes (base-to-new) or all of them
  std::vector<DataItem> test_items;
};

/// Samples (or reloads) the seed's few-shot split under `side_dir`/splits and picks the training
/// classes. Its warnings are appended to `warnings`.
RunData prepare_data(const Dataset& dataset, const Config& config, const Protocol& protocol, std::int64_t seed,
                     const std::string& side_dir, std::vector<std::string>& warnings);

/// The method's learner for the training classes, seeded with the run's seed, with a zero-shot
/// teacher for those classes (`teacher` is set to it).
std::shared_ptr<Learner> build_learner(const PluginHost& host, const MethodSpec& spec, const ModelBundle& model,
                                       const Dataset& dataset, const RunData& data, const Config& config,
                                       std::int64_t seed, std::shared_ptr<ZeroShotTeacher>& teacher);

/// The feature cache of runs of `model`: "<shared_dir>/features", keyed by the model's checksum and
/// precision. `enabled` false computes every feature and touches no file.
FeatureCache run_feature_cache(const std::string& shared_dir, const ModelBundle& model, bool enabled = true);

/// The learner's inputs for items of a dataset, one row per item: (dataset, items, "train" | "test",
/// view, crop scale).
struct InputSource {
  std::function<torch::Tensor(const Dataset&, const std::vector<DataItem>&, const std::string&, int, double)> fetch;
  /// Images, decoded on every call: fetched a batch at a time (train_data.hpp). Cached features
  /// (false) are fetched for a whole split at once, which is what their cache keys on.
  bool streamed = false;

  torch::Tensor operator()(const Dataset& dataset, const std::vector<DataItem>& items, const std::string& transform,
                           int view, double crop_scale_min) const {
    return fetch(dataset, items, transform, view, crop_scale_min);
  }
};

/// Items [begin, begin + count) of `items`, cut at its end.
std::vector<DataItem> item_range(const std::vector<DataItem>& items, std::size_t begin, std::size_t count);

/// How many items a streamed source decodes at once outside training: evaluate()'s batch, so that
/// streamed evaluation runs the very batches a whole split would.
inline constexpr std::size_t kStreamedItems = kEvaluateBatch;

/// Cached image features, or preprocessed images (streamed) when the learner's input() is
/// kImages. The references must outlive the source.
InputSource input_source(const Learner& learner, ModelBundle& model, FeatureCache& cache,
                         std::vector<std::string>& warnings, const std::atomic<bool>* stop);

/// Every training view (train.views of them) on the model's device, with the labels and the teacher:
/// held whole for features, streamed for images (then `dataset` must outlive the result).
/// Unreadable images are left out of every view, with a warning; none readable throws.
TrainData training_data(const InputSource& inputs, const Dataset& dataset, const RunData& data, const Config& config,
                        const ModelBundle& model, std::shared_ptr<ZeroShotTeacher> teacher,
                        std::vector<std::string>& warnings);

}  // namespace promptlab

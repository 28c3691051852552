#pragma once
// Frozen image-encoder features for a list of items, computed in parallel and cached.
#include <torch/torch.h>

#include <atomic>
#include <string>
#include <vector>

#include "promptlab/dataset.hpp"
#include "data/feature_cache.hpp"
#include "data/transforms.hpp"
#include "train/model_source.hpp"

namespace promptlab {

/// Features [N, embed] (fp32, CPU) of `items` under "test" or "train" (augmented view `view`,
/// random crops of at least `crop_scale_min` of the image area; part of the cache key).
/// Items whose image cannot be read get a row of NaN and a warning in `warnings`.
torch::Tensor image_features(ModelBundle& model, const Dataset& dataset, const std::vector<DataItem>& items,
                             const std::string& transform, int view, FeatureCache& cache,
                             std::vector<std::string>& warnings, const std::atomic<bool>* stop = nullptr,
                             double crop_scale_min = kReferenceCropScaleMin);

/// Preprocessed images [N, 3, R, R] (fp32, CPU) of `items`, for learners that take images: the
/// same transforms and views as image_features, not cached. Unreadable images are rows of NaN.
torch::Tensor preprocessed_images(const Dataset& dataset, const std::vector<DataItem>& items, int resolution,
                                  const std::string& transform, int view, std::vector<std::string>& warnings,
                                  double crop_scale_min = kReferenceCropScaleMin);

/// Which rows (first dimension) of `features` (or images) hold no NaN, i.e. were read: bool [N].
torch::Tensor readable_rows(const torch::Tensor& features);

/// Rows (first dimension) of `features` (or images) without NaN, with the matching labels; returns the kept count.
std::int64_t drop_unreadable(torch::Tensor& features, torch::Tensor& labels);

/// The same over several views of the same items: a row unreadable in any view is dropped from all.
std::int64_t drop_unreadable(std::vector<torch::Tensor>& views, torch::Tensor& labels);

}  // namespace promptlab

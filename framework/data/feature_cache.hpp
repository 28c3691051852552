#pragma once
// On-disk cache of frozen image-encoder features, keyed by model checksum, dataset content
// key, item id, transform and view.
#include <torch/torch.h>

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "promptlab/dataset.hpp"

namespace promptlab {

/// Caches [N, embed] features per (model, dataset, transform, view) in
/// "<dir>/<model checksum>/<dataset key hash>/<transform>-v<view>.feat" (ids + float32 tensor,
/// written atomically via temp + rename, with a header naming the model checksum, dataset
/// key and transform, so a file from another model or transform is never used).
class FeatureCache {
 public:
  /// `dir` e.g. "<db>.cache/"; created on first write. A disabled cache computes every item on
  /// each call and touches no file.
  FeatureCache(std::string dir, std::string model_checksum, bool enabled = true);

  /// Features for `items` (rows in the same order) under `transform` ("test" or "train") and
  /// augmented `view` (0 for test). Items not cached are computed with compute(indices into
  /// items) -> [k, embed] float tensor, stored, and merged.
  torch::Tensor get_or_compute(const Dataset& d, const std::vector<DataItem>& items, const std::string& transform,
                               int view, const std::function<torch::Tensor(const std::vector<std::size_t>&)>& compute);

  /// Rows served from the cache since construction.
  std::size_t hits() const { return hits_; }
  /// Rows computed since construction.
  std::size_t misses() const { return misses_; }
  /// The cache folder.
  const std::string& dir() const { return dir_; }
  /// The file that holds (dataset, transform, view) for this model.
  std::string file_path(const Dataset& d, const std::string& transform, int view) const;

 private:
  std::string dir_;
  std::string model_checksum_;
  bool enabled_ = true;
  std::size_t hits_ = 0;
  std::size_t misses_ = 0;
  struct State;
  std::shared_ptr<State> state_;  // files already loaded, by path
};

}  // namespace promptlab

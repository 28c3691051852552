#pragma once
// The training set as the training loop reads it: one row per training item, in augmented views,
// fetched a batch of rows at a time.
#include <torch/torch.h>

#include <functional>
#include <memory>
#include <vector>

#include "promptlab/prompt/zero_shot_teacher.hpp"

namespace promptlab {

/// Rows `rows` (int64 indices into the training set, on the CPU) of augmented view `view`.
using ViewRows = std::function<torch::Tensor(int view, const torch::Tensor& rows)>;

/// Epoch e trains on view e % view_count(). The views are either held whole or streamed:
/// - held (`views`): cached image features [N, embed] per view, a few MB each;
/// - streamed (`stream`, `streamed_views`): images, decoded and augmented a batch at a time, so a
///   learner that takes images holds one batch of them rather than every view of the set
///   (16 shots x 1000 classes is 9.6 GB of 224-pixel images per view).
/// Both give the same rows: an item's augmentation is seeded by its id and the view, never by the
/// batch it is in.
struct TrainData {
  std::vector<torch::Tensor> views;
  torch::Tensor labels;  // [N] int64
  /// The training classes' zero-shot teacher, for the "kl_to_zeroshot" term (null: none).
  std::shared_ptr<ZeroShotTeacher> zero_shot;
  /// Set for streamed views; `views` is then empty.
  ViewRows stream;
  int streamed_views = 0;

  /// How many views there are (0: no training data).
  int view_count() const;
  /// Rows `rows` (int64, CPU) of view `view`, where the data is (the model's device).
  torch::Tensor rows(int view, const torch::Tensor& rows) const;
};

}  // namespace promptlab

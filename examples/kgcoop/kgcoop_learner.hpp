#pragma once
// The KgCoOp learner: the SDK's CoOp learner, whose training pass adds the "kg" term against the
// run's zero-shot teacher (the hand-written prompt of each training class).
#include <promptlab/prompt/coop_learner.hpp>

namespace kgcoop {

class KgCoopLearner : public promptlab::CoopLearner {
 public:
  /// Reads kgcoop.weight (lambda, 8.0 in the paper).
  explicit KgCoopLearner(const promptlab::LearnerContext& context);
  promptlab::LearnerOutput training_forward(const promptlab::TrainingBatch& batch) override;

 private:
  promptlab::ClipModel clip_;
  std::shared_ptr<promptlab::ZeroShotTeacher> teacher_;
  double weight_;
};

}  // namespace kgcoop

#pragma once
// The training loop: epochs of shuffled mini-batches over the training set's views (train_data.hpp),
// the step rule's gradient, then the framework's SGD and schedule.
#include <torch/torch.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "promptlab/learner.hpp"
#include "promptlab/step_rule.hpp"
#include "train/schedule.hpp"
#include "train/sgd.hpp"
#include "train/train_data.hpp"

namespace promptlab {

/// Loop settings.
struct TrainOptions {
  int epochs = 1;
  int batch_size = 32;
  ScheduleOptions schedule;
  SgdOptions sgd;
  std::uint64_t seed = 1;
  /// Resuming: the first epoch to run and SGD's momentum buffers from the checkpoint.
  int start_epoch = 0;
  std::vector<torch::Tensor> initial_momentum;
  /// A step whose loss or gradient is NaN or infinite: fail the run (false), or skip the step
  /// and count it in the epoch's "nonfinite_skipped" metric (true).
  bool skip_nonfinite = false;
};

/// What one epoch produced: lr, loss, acc, time_s and the step rule's metrics
/// aggregated (<name> mean, <name>_min, <name>_max; branch_* summed).
struct EpochReport {
  int epoch = 0;
  std::map<std::string, double> values;
};

/// Called after every step: epoch, step (1-based), steps per epoch, running loss and accuracy.
using StepCallback = std::function<void(int, int, int, double, double)>;
using EpochCallback = std::function<void(const EpochReport&)>;
/// Called after each epoch (after EpochCallback) with the next epoch and the optimizer, to checkpoint.
using CheckpointCallback = std::function<void(int next_epoch, const Sgd& sgd)>;

/// Thrown when a step's loss or gradient is NaN or infinite (and such steps are not skipped);
/// the message names the epoch, the step and the quantity.
class NonFiniteError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Thrown when `stop` is raised between steps (SIGINT/SIGTERM).
class TrainingInterrupted : public std::runtime_error {
 public:
  TrainingInterrupted() : std::runtime_error("interrupted") {}
};

/// Number of steps in an epoch: the last incomplete batch is dropped only when
/// the set holds at least one full batch.
int steps_per_epoch(std::int64_t n_items, int batch_size);

/// Trains `learner` in place. Each epoch's order comes from (seed, epoch) alone, so a run resumed
/// at an epoch boundary continues exactly as an uninterrupted one.
void train(Learner& learner, StepRule& rule, const TrainData& data, const TrainOptions& options,
           const EpochCallback& on_epoch = {}, const StepCallback& on_step = {},
           const std::atomic<bool>* stop = nullptr, const CheckpointCallback& on_checkpoint = {});

/// Aggregates per-step metrics, as read off the device, into per-epoch values (see EpochReport).
std::map<std::string, double> aggregate_step_metrics(const std::vector<std::map<std::string, double>>& steps);

}  // namespace promptlab

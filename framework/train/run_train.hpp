#pragma once
// Stage 3 of a run, train: the config's schedule and SGD over the prepared data, checkpointed
// after every epoch and continued from the checkpoint when the run was interrupted.
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "promptlab/config.hpp"
#include "promptlab/learner.hpp"
#include "promptlab/step_rule.hpp"
#include "train/trainer.hpp"

namespace promptlab {

/// The loop's settings from the config's train.*, optim.* keys and the run's seed.
TrainOptions train_options(const Config& config, std::int64_t seed);

/// Trains `learner` in place. A checkpoint at `checkpoint` saved under `config_hash` is continued
/// (announced through `log`); after every epoch the state is saved there again.
void train_run(Learner& learner, StepRule& rule, const TrainData& data, const Config& config, std::int64_t seed,
               const std::string& checkpoint, const std::string& config_hash, const EpochCallback& on_epoch,
               const StepCallback& on_step, const std::function<void(const std::string&)>& log,
               const std::atomic<bool>* stop);

}  // namespace promptlab

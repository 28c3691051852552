#include "train/run_train.hpp"

#include "train/checkpoint.hpp"
#include "train/sgd.hpp"

namespace promptlab {

TrainOptions train_options(const Config& config, std::int64_t seed) {
  TrainOptions opts;
  opts.epochs = static_cast<int>(config.get_int("train.epochs"));
  opts.batch_size = static_cast<int>(config.get_int("train.batch_size"));
  opts.schedule.base_lr = config.get_double("optim.lr");
  opts.schedule.max_epoch = opts.epochs;
  opts.schedule.warmup_epochs = static_cast<int>(config.get_int("train.warmup_epochs"));
  opts.schedule.warmup_lr = config.get_double("train.warmup_lr");
  opts.sgd = sgd_options(config);
  opts.seed = static_cast<std::uint64_t>(seed);
  opts.skip_nonfinite = config.get_string("train.nonfinite") == "skip";
  return opts;
}

void train_run(Learner& learner, StepRule& rule, const TrainData& data, const Config& config, std::int64_t seed,
               const std::string& checkpoint, const std::string& config_hash, const EpochCallback& on_epoch,
               const StepCallback& on_step, const std::function<void(const std::string&)>& log,
               const std::atomic<bool>* stop) {
  TrainOptions opts = train_options(config, seed);
  if (auto state = load_checkpoint(checkpoint, config_hash)) {
    restore_module(learner, *state, checkpoint);
    opts.start_epoch = state->next_epoch;
    opts.initial_momentum = state->momentum;
    if (state->torch_rng.defined()) set_torch_rng_state(state->torch_rng);
    if (log) {
      log("  continuing from the checkpoint at epoch " + std::to_string(state->next_epoch) + " of " +
          std::to_string(opts.epochs));
    }
  }
  train(learner, rule, data, opts, on_epoch, on_step, stop, [&](int next_epoch, const Sgd& sgd) {
    TrainState state;
    state.next_epoch = next_epoch;
    state.learner = module_tensors(learner);
    state.momentum = sgd.momentum_buffers();
    state.torch_rng = torch_rng_state();
    state.config_hash = config_hash;
    save_checkpoint(checkpoint, state);
  });
}

}  // namespace promptlab

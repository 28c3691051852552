#pragma once
// A run's training state at the end of an epoch, so that an interrupted run resumes exactly
// where it stopped: the learner's tensors, SGD's momentum, the next epoch and the torch RNG.
// Files are written to a temporary name, fsync'ed, then renamed: a crash leaves the previous
// checkpoint or the new one, never a torn file.
#include <torch/torch.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace promptlab {

/// What a checkpoint holds.
struct TrainState {
  int next_epoch = 0;                                                  // first epoch still to run
  std::vector<std::pair<std::string, torch::Tensor>> learner;          // every parameter and buffer, by name
  std::vector<torch::Tensor> momentum;                                 // per trainable tensor; undefined = none yet
  torch::Tensor torch_rng;                                             // the default CPU generator's state
  std::string config_hash;                                             // the run's resolved config
};

/// "<side dir>/checkpoints/run_<id>.ckpt".
std::string checkpoint_path(const std::string& side_dir, std::int64_t run_id);

/// Writes `state` atomically (temp file, fsync, rename); throws naming the path on failure.
void save_checkpoint(const std::string& path, const TrainState& state);

/// Reads a checkpoint; nullopt when the file does not exist. Throws naming the path when it is
/// not a checkpoint, and when it was written for another config than `config_hash`.
std::optional<TrainState> load_checkpoint(const std::string& path, const std::string& config_hash);

/// Copies the learner tensors of `state` into `module` (names and shapes must match).
void restore_module(torch::nn::Module& module, const TrainState& state, const std::string& source);

/// The default CPU generator's state, and setting it back.
torch::Tensor torch_rng_state();
void set_torch_rng_state(const torch::Tensor& state);

/// Every parameter and buffer of `module` by name, detached copies on the CPU.
std::vector<std::pair<std::string, torch::Tensor>> module_tensors(const torch::nn::Module& module);

}  // namespace promptlab

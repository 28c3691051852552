#pragma once
// Contrastive pretraining of the tiny CLIP on the embedded world (`promptlab pretrain`).
#include <cstdint>
#include <functional>
#include <string>

#include "promptlab/clip_model.hpp"

namespace promptlab::world {

/// Everything that determines a pretraining run.
struct PretrainOptions {
  std::string out_dir = "pretrain-out";
  std::int64_t samples = 1'300'000;  // total training samples (steps = samples / batch)
  int batch = 256;
  double lr = 1e-3;
  double weight_decay = 0.1;
  double warmup_fraction = 0.04;  // of the steps, linear warm-up before the cosine decay
  double min_lr_fraction = 0.02;  // cosine floor as a fraction of lr
  std::uint64_t seed = 1;
  int threads = 0;          // LibTorch intra-op threads (0 = all cores)
  int workers = 1;          // data-generating threads
  int group_size = 4;       // contrast groups in each batch (1 = independent samples)
  bool resume = false;      // continue from out_dir/state.json
  bool bf16 = true;         // bf16 autocast on CPU
  int checkpoint_every = 100;  // steps
  std::size_t bpe_merges = 1000;
  std::size_t bpe_corpus = 40000;
  std::string db_path;      // run store; empty = no record
  ClipConfig model = tiny_clip_config();

  /// The default tiny architecture (vocab_size is set from the learned merges).
  static ClipConfig tiny_clip_config();
};

/// One progress report (every step).
struct PretrainProgress {
  std::int64_t step = 0, total_steps = 0;
  double loss = 0, lr = 0, logit_scale = 0, samples_per_s = 0, elapsed_s = 0;
};

/// What a finished run leaves behind.
struct PretrainResult {
  std::string checkpoint_path, merges_path;
  std::int64_t steps = 0;
  double final_loss = 0, logit_scale = 0, samples_per_s = 0;
  std::int64_t run_id = 0;
};

/// Names of the files written into out_dir.
inline constexpr const char* kCheckpointFile = "tiny_clip.pt";
inline constexpr const char* kMergesFile = "merges.txt";

/// Runs pretraining; `on_progress` is called after every step.
PretrainResult pretrain(const PretrainOptions& options,
                        const std::function<void(const PretrainProgress&)>& on_progress = {});

/// The options as JSON (recorded in the run store and in out_dir/state.json).
std::string pretrain_options_json(const PretrainOptions& options);

}  // namespace promptlab::world

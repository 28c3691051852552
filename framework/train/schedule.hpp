#pragma once
// The learning-rate schedule (docs/protocol.md §6): a constant warm-up, then cosine per epoch.

namespace promptlab {

/// Per-epoch schedule settings.
struct ScheduleOptions {
  double base_lr = 0.002;
  int max_epoch = 200;
  int warmup_epochs = 1;    // epochs run at warmup_lr before the cosine starts
  double warmup_lr = 1e-5;
};

/// Learning rate used during `epoch` (0-based). Warm-up epochs use warmup_lr;
/// epoch e >= warmup uses 0.5*lr*(1 + cos(pi*(e-warmup)/max_epoch)).
double lr_at_epoch(int epoch, const ScheduleOptions& options);

}  // namespace promptlab

#include "train/schedule.hpp"

#include <cmath>

namespace promptlab {

double lr_at_epoch(int epoch, const ScheduleOptions& options) {
  if (epoch < options.warmup_epochs) return options.warmup_lr;
  const double progress = static_cast<double>(epoch - options.warmup_epochs) / options.max_epoch;
  return 0.5 * options.base_lr * (1.0 + std::cos(M_PI * progress));
}

}  // namespace promptlab

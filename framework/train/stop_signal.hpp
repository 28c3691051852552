#pragma once
// Stopping a run cleanly: SIGINT/SIGTERM raise a flag that the training loop and the feature
// encoder check between steps (the run is then recorded `interrupted` and can be resumed); a
// second signal exits at once (the store stays consistent: SQLite commits are atomic).
//
// PROMPTLAB_STOP_AT raises the same flag at a chosen point, for fault-injection tests of resume:
//   "features:N"  after the N-th batch of images is encoded (1-based, counted per process)
//   "step:E:S"    after step S (1-based) of epoch E (0-based)
//   "epoch:E"     after epoch E ends and its checkpoint is written
#include <atomic>
#include <string>

namespace promptlab {

/// The flag; true once a stop was asked for.
const std::atomic<bool>& stop_flag();

/// Raises the flag (as a signal would).
void request_stop();

/// Installs the SIGINT/SIGTERM handlers: the first raises the flag, the second exits (status 130).
void install_stop_handlers();

/// Reached at the points listed above; raises the flag when PROMPTLAB_STOP_AT names this one.
void stop_point(const std::string& kind, int a, int b = -1);

/// True when PROMPTLAB_FAULT names `fault` (fault-injection tests: "store-after-training" makes the
/// store fail once training is done, to prove the learned prompt is still saved).
bool fault_injected(const std::string& fault);

}  // namespace promptlab

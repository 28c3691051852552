#pragma once
// One run of the protocol, in five stages with a file each: plan (run_plan: the resolved, hashed
// config), prepare (run_prepare: few-shot split, learner, inputs), train (run_train), evaluate
// (run_evaluate) and record (run_record: the store observes the run).
#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "promptlab/config.hpp"
#include "train/protocol.hpp"
#include "train/run_plan.hpp"
#include "train/stop_signal.hpp"

namespace promptlab {

class PluginHost;
class RunStore;
struct ModelBundle;

/// Where runs write their side files: "<db>.d/" (few-shot splits, feature cache).
std::string side_directory(const std::string& db_path);

/// Progress reporting hooks (all optional).
struct ExperimentObserver {
  std::function<void(const std::string&)> log;                       // one plain line
  std::function<void(int, int, int, int, double, double)> step;      // epoch, epochs, step, steps, loss, acc
  std::function<void()> done_line;                                   // end of a progress line
};

/// Outcome of one run.
struct ExperimentOutcome {
  std::int64_t run_id = 0;
  std::string status;  // finished | failed | interrupted
  std::string error;
  std::int64_t shots = 0;                 // data.shots of the run
  double base = -1, new_ = -1, all = -1;  // accuracies (%), -1 when not evaluated
  std::vector<std::pair<std::string, double>> targets;  // accuracy (%) on each transfer target, in order
  bool skipped = false;                   // already finished in the store (bench resume)
};

/// Runs one experiment end to end and records it. Never throws for a run that started:
/// failures are recorded (status failed / interrupted) and returned.
ExperimentOutcome run_experiment(PluginHost& host, RunStore& store, const std::string& db_path,
                                 const Protocol& protocol, const ExperimentRequest& request,
                                 const ExperimentObserver& observer, const std::atomic<bool>* stop,
                                 bool skip_if_finished = false);


}  // namespace promptlab

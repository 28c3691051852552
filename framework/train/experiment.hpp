#pragma once
// One run of the protocol: resolve the config, sample the few-shot split, split
// base/new, encode (or reuse cached) image features, train, evaluate, record.
#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "promptlab/config.hpp"
#include "train/protocol.hpp"
#include "train/stop_signal.hpp"

namespace promptlab {

class PluginHost;
class RunStore;
struct ModelBundle;

/// What the user asked for.
struct ExperimentRequest {
  std::string method;
  std::string dataset;
  std::int64_t seed = 1;
  std::int64_t shots = 0;                // one value of the protocol's shots (0: its first)
  std::int64_t resume_run = 0;           // > 0: continue this interrupted run (its recorded config) instead
  std::string config_file;               // --config FILE.toml ("" = none)
  std::vector<std::string> assignments;  // --set key=value
  Config cli_overrides;                  // --weights/--vocab/--data-root turned into keys
  bool feature_cache = true;             // false: encode every image again, reading and writing no cache (the
                                         // lever's off switch; the results are the same, docs/speed.md)
};

/// Framework-wide defaults (the lowest layer of every resolved config).
Config framework_defaults();

/// method defaults < protocol (with the request's shots) < file < --set (framework defaults below all). Unknown keys in
/// the file or --set fail with the list of valid keys. A key another method declares but this one does not (say
/// sam.rho on a gcscoop run) is kept, since one bench config serves several methods, and described in `notes`
/// when given: it has no effect on this run.
Config resolve_config(const PluginHost& host, const Protocol& protocol, const ExperimentRequest& request,
                      std::vector<std::string>* notes = nullptr);

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

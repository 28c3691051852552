#pragma once
// Stage 5 of a run, the record: the store observes the run through this one object (its start,
// each epoch, each result, its artifacts and its end). Training and evaluation report to it and
// never call the store themselves.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "promptlab/learner.hpp"
#include "store/run_store.hpp"
#include "train/run_plan.hpp"
#include "train/trainer.hpp"

namespace promptlab {

class PluginHost;
struct ModelBundle;

class RunRecorder {
 public:
  explicit RunRecorder(RunStore& store) : store_(store) {}

  /// What the store keeps about the run: method, dataset, protocol, seed, config and its hash,
  /// plugin versions, model checksum, code revision, machine, device and precision.
  static RunRecord describe(const PluginHost& host, const RunPlan& plan, const Protocol& protocol,
                            const ExperimentRequest& request, const ModelBundle& model);
  /// Begins the run, or continues plan.resumed (refused, naming both files, when the weights'
  /// checksum changed since). Returns the run's id.
  std::int64_t start(const RunRecord& record, const std::optional<RunRecord>& resumed);
  void epoch(const EpochReport& report);
  /// Measures of the whole run (run_metrics), e.g. its sharpness.
  void run_metrics(const std::map<std::string, double>& metrics);
  /// A result of the run's own dataset, or of a transfer target (r.dataset set).
  void result(const SplitResult& r);
  /// What the learner learned (describe()'s text and its trainable tensors), the few-shot split
  /// file it trained on, and the run's warnings.
  void artifacts(Learner& learner, const std::string& few_shot_file, const std::vector<std::string>& warnings);
  /// Marks the run finished; throws StoreError when the store cannot (the caller then rescues
  /// what was learned).
  void mark_finished();
  /// The final status. Never throws: a store that fails here is described in the returned text
  /// ("" when it recorded the status).
  std::string finish(const std::string& status, const std::string& error = "") noexcept;
  std::int64_t run_id() const { return run_id_; }

 private:
  RunStore& store_;
  std::int64_t run_id_ = 0;
};

}  // namespace promptlab

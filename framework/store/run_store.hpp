#pragma once
// The run store: one SQLite file (WAL) holding every run, its per-epoch metrics,
// its per-split results and its artifacts; the paper-style tables are SQL views.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

struct sqlite3;

namespace promptlab {

/// One training/evaluation run as recorded in the `runs` table.
struct RunRecord {
  std::int64_t id = 0;
  std::string method, learner, step_rule, dataset, protocol, protocol_hash;
  std::int64_t seed = 0;
  std::int64_t shots = 0;  // few-shot count (data.shots); 0 when unknown
  std::int64_t pid = 0, pid_start = 0;  // the process that ran it last (on host `machine`); 0 = unknown
  std::string uid;                       // globally unique (32 hex digits), set by begin_run; kept by merges
  std::string config_json, config_hash, plugin_versions_json, model_checksum, model_path, code_revision,
      promptlab_version, machine, device, precision, status /*running|finished|failed|interrupted*/, error,
      started_at, finished_at;
};

/// Metrics of one epoch (e.g. lr, loss, acc, time_s, cos_mean, cos_min, branch_sam...).
struct EpochMetrics {
  std::int64_t epoch = 0;
  std::map<std::string, double> values;
};

/// Final result of one evaluation split (base, new or all) of one evaluated dataset.
struct SplitResult {
  std::string split /*base|new|all*/;
  std::int64_t n = 0, correct = 0;
  double accuracy = 0;
  /// The dataset evaluated: the run's own (empty when recording means the same) or a transfer target.
  std::string dataset;
};

/// A named blob attached to a run (learned prompts, notes...).
struct Artifact {
  std::string name, kind /*text|json|tensor*/;
  std::vector<std::uint8_t> data;
};

/// What RunStore::merge_from did, run by run.
struct MergeReport {
  int added = 0;      // runs new to this store
  int updated = 0;    // runs already here whose record changed since (resumed, then finished)
  int unchanged = 0;  // runs already here as they are in the other store
  std::vector<std::int64_t> running;  // ids, in the other store, of runs still running there: not merged
};

/// One point of a loss landscape: the loss and top-1 accuracy (%) at theta + alpha*d1 + beta*d2.
struct LandscapePoint {
  int i = 0, j = 0;  // indices into the alpha and beta axes
  double alpha = 0, beta = 0;
  double loss = 0, accuracy = 0;
};

/// What identifies a stored landscape: the run, the split evaluated (train, base, new, all) and
/// the grid (dimensions, points, range, normalisation, direction seed, in words).
struct LandscapeKey {
  std::int64_t run_id = 0;
  std::string split, grid;
};

/// Restricts queries; empty members match everything.
struct ResultFilter {
  std::vector<std::string> methods, datasets;
  std::string protocol_hash;
};

/// One row of the paper-style table (dataset is "average" in the all-datasets rows).
struct ResultRow {
  std::string method, dataset, protocol, protocol_hash;
  std::int64_t n_seeds = 0;     // seeds averaged (average rows: fewest seeds of any dataset)
  std::int64_t n_datasets = 1;  // datasets averaged (1 for per-dataset rows)
  double base_mean = 0, base_std = 0, new_mean = 0, new_std = 0, hm = 0;
};

/// Accuracy on one evaluation target over seeds (view `target_results`): few-shot tables use the
/// rows whose target is the training dataset, transfer tables (cross-dataset, domain shift) the rest.
struct TargetRow {
  std::string method, dataset /*trained on*/, target /*evaluated*/, protocol, protocol_hash;
  std::int64_t shots = 0, n_seeds = 0;
  double mean = 0, std = 0;
};

/// Any failure of the run store; the message names the database path.
class StoreError : public std::runtime_error {
  using runtime_error::runtime_error;
};

/// Handle on one run-store file. Several handles (and processes) may share a file.
class RunStore {
 public:
  /// Current schema version written by this build.
  static constexpr int kSchemaVersion = 7;

  /// Opens or creates the store, enables WAL and a busy timeout, migrates to kSchemaVersion.
  explicit RunStore(const std::string& path);
  /// Closes the database.
  ~RunStore();
  /// Moves the handle; the source becomes unusable.
  RunStore(RunStore&& other) noexcept;
  /// Move-assigns the handle.
  RunStore& operator=(RunStore&& other) noexcept;
  RunStore(const RunStore&) = delete;
  RunStore& operator=(const RunStore&) = delete;

  /// Inserts a run with status "running" and started_at = now (UTC), owned by this process
  /// (its pid; host = r.machine); returns its id.
  std::int64_t begin_run(const RunRecord& r);
  /// Takes an interrupted run back to "running", owned by this process (host `machine`), to resume it.
  /// Throws unless the run exists and is interrupted.
  void resume_run(std::int64_t run, const std::string& machine);
  /// Marks `interrupted` every run left `running` by a process of this host that has died
  /// (pid gone, or reused by a newer process); returns their ids. Runs of other hosts, and of
  /// live processes, are never touched.
  std::vector<std::int64_t> reap_dead_runs();
  /// Newest interrupted run with exactly these keys, if any (bench resumes it).
  std::optional<std::int64_t> find_interrupted(const std::string& method, const std::string& dataset,
                                               const std::string& protocol_hash, std::int64_t seed,
                                               const std::string& config_hash) const;
  /// Records (or replaces) the metrics of one epoch.
  void log_epoch(std::int64_t run, const EpochMetrics& m);
  /// Records (or replaces) measures of the whole run (e.g. sharpness, hessian_top_eig).
  void log_run_metrics(std::int64_t run, const std::map<std::string, double>& metrics);
  /// The run's whole-run measures, by name.
  std::map<std::string, double> run_metrics(std::int64_t run) const;
  /// Stores a landscape, replacing one with the same key (run_store_landscape.cpp).
  void save_landscape(const LandscapeKey& key, const std::vector<LandscapePoint>& points);
  /// A stored landscape's points by (i, j); empty when there is none.
  std::vector<LandscapePoint> landscape(const LandscapeKey& key) const;
  /// The keys of a run's stored landscapes.
  std::vector<LandscapeKey> landscapes(std::int64_t run) const;
  /// Records (or replaces) the result of one split of one evaluated dataset (default: the run's).
  void record_result(std::int64_t run, const SplitResult& r);
  /// Stores (or replaces) a named artifact.
  void add_artifact(std::int64_t run, const Artifact& a);
  /// Sets the final status (finished|failed|interrupted|running), error text and finished_at = now.
  void finish_run(std::int64_t run, const std::string& status, const std::string& error = "");
  /// The run with this id, if any.
  std::optional<RunRecord> get_run(std::int64_t id) const;
  /// Runs matching the filter, oldest first.
  std::vector<RunRecord> list_runs(const ResultFilter& f = {}) const;
  /// Per-epoch metrics of a run, by epoch.
  std::vector<EpochMetrics> epochs(std::int64_t run) const;
  /// Split results of a run: its own dataset's first (base, new, all order), then each target's.
  std::vector<SplitResult> results(std::int64_t run) const;
  /// The harmonic mean of base and new accuracy, by the formula the results views use.
  double harmonic_mean(double base, double new_) const;
  /// Artifacts of a run, in insertion order.
  std::vector<Artifact> artifacts(std::int64_t run) const;
  /// Id of the newest finished run with exactly these keys, if any (for resuming sweeps).
  std::optional<std::int64_t> find_finished(const std::string& method, const std::string& dataset,
                                            const std::string& protocol_hash, std::int64_t seed,
                                            const std::string& config_hash) const;
  /// Paper-style rows: one per method x dataset x protocol_hash (view `results_table`).
  std::vector<ResultRow> results_table(const ResultFilter& f = {}) const;
  /// All-datasets rows: one per method x protocol_hash (view `results_average`).
  std::vector<ResultRow> average_rows(const ResultFilter& f = {}) const;
  /// Accuracy per evaluation target over seeds (view `target_results`); the filter's datasets
  /// match the training dataset.
  std::vector<TargetRow> target_results(const ResultFilter& f = {}) const;
  /// Copies the runs of another store (with their epochs, results and artifacts) into this one,
  /// matching runs by uid: a run already here is replaced when its record differs, so merging
  /// the same store again adds nothing. Runs still `running` there are left out. The other store
  /// is migrated to this schema first. One transaction: on failure nothing changes here.
  MergeReport merge_from(const std::string& other_path);
  /// Schema version of the open file.
  int schema_version() const;
  /// Path the store was opened with.
  const std::string& path() const;

 private:
  void check_open() const;
  int read_version() const;
  void migrate();
  void require_run(std::int64_t run) const;
  std::optional<std::int64_t> newest_with_status(const std::string& status, const std::string& method,
                                                 const std::string& dataset, const std::string& protocol_hash,
                                                 std::int64_t seed, const std::string& config_hash) const;
  std::string path_;
  sqlite3* db_ = nullptr;
};

}  // namespace promptlab

#pragma once
// What `run` and `bench` share: the plugin host with built-ins, the protocol, the request.
#include <memory>
#include <string>
#include <vector>

#include "cli/command.hpp"
#include "cli/train/progress.hpp"
#include "registry/plugin_host.hpp"
#include "store/results_format.hpp"
#include "store/run_store.hpp"
#include "train/experiment.hpp"
#include "train/protocol.hpp"

namespace promptlab::cli {

/// Loads built-ins and every plugin on the search path; refused plugins are reported on stderr.
std::unique_ptr<PluginHost> open_host(const GlobalOptions& global, bool report_errors = true);

/// The protocol to use: the named one, else base2new-tiny for the embedded model and base2new otherwise.
Protocol choose_protocol(const std::string& requested, bool user_weights);

/// Datasets to run: the named ones, else the protocol's list, else every embedded dataset.
std::vector<std::string> choose_datasets(const std::vector<std::string>& requested, const Protocol& protocol);

/// Options of `run` that become config keys (model.weights, model.vocab, data.root).
struct ModelOptions {
  std::string weights, vocab, data_root;
  bool feature_cache = true;  // false: --no-feature-cache (not part of the config: results do not depend on it)
  std::string cache_dir;      // --cache-dir: feature caches and few-shot splits ("" = <db>.d; not part of the config)
  std::int64_t text_chunk = kDefaultTextGradChunk;  // --text-chunk: the text encoder's recomputation (memory; not part of the config)
  bool shared_prefix = true;  // false: --no-shared-prefix (speed; not part of the config)
  Config as_config() const;
};

/// --no-feature-cache, --cache-dir, --text-chunk and --no-shared-prefix, the options of `run` and `bench` that say where
/// encoded features and few-shot splits are kept and how much memory the text encoder's gradient
/// takes (never what a run computes).
void add_resource_options(CLI::App& cmd, ModelOptions& model);

/// The --text-chunk option (`run`, `bench`, `bench-speed`).
void add_text_chunk_option(CLI::App& cmd, std::int64_t& text_chunk);
/// The --no-shared-prefix flag (`run`, `bench`, `bench-speed`): ClipModel::set_share_text_prefix.
void add_shared_prefix_option(CLI::App& cmd, bool& shared_prefix);

/// Before any work starts: resolves every (method, dataset) cell's config (unknown keys fail) and
/// checks that its weights, vocabulary, data root and dataset files exist. Each missing one
/// gets its own error naming the path; an unknown dataset lists the valid names.
void preflight(const PluginHost& host, const Protocol& protocol, const std::vector<std::string>& methods,
               const std::vector<std::string>& datasets, const std::string& config_file,
               const std::vector<std::string>& sets, const ModelOptions& model);

/// What `run` and `bench` settle before any cell runs.
struct GridPlan {
  Protocol protocol;
  std::vector<std::string> datasets;
  std::vector<std::int64_t> shots;
};

/// Chooses the protocol and datasets, runs preflight() for `methods`, and lists the shot counts.
GridPlan plan_grid(const PluginHost& host, const std::vector<std::string>& methods, const std::string& protocol,
                   const std::vector<std::string>& datasets, const std::string& config_file,
                   const std::vector<std::string>& sets, const ModelOptions& model);

/// Opens the store for commands that run experiments, after marking `interrupted` the runs left
/// `running` by dead processes of this host (reported through `progress`).
RunStore open_store_for_runs(const std::string& db, Progress& progress);

/// An observer that reports to `progress` (which must outlive it).
ExperimentObserver progress_observer(Progress& progress);

/// One cell of a grid: a method on a dataset at one shot count and seed (shots 0: the protocol's first).
struct Cell {
  std::string method, dataset;
  std::int64_t shots = 0, seed = 1;
};

/// The shot counts to run: the protocol's list, or one (0) when the config file or --set fixes data.shots.
std::vector<std::int64_t> shots_grid(const Protocol& protocol, const std::string& config_file,
                                     const std::vector<std::string>& sets);

/// The request for one cell with the user's config file, --set and model options.
ExperimentRequest make_request(const Cell& cell, const std::string& config_file, const std::vector<std::string>& sets,
                               const ModelOptions& model);

/// Which results table a protocol fills: transfer when it has targets, else base-to-new or few-shot.
ResultTable result_table_of(const Protocol& protocol);

/// Splits "a,b,c" into its parts (empty parts dropped).
std::vector<std::string> split_list(const std::string& text);

}  // namespace promptlab::cli

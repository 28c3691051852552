#pragma once
// Stage 1 of a run, the plan: method + protocol + config layers -> one resolved, hashed config,
// computed once, and whether the store already holds this run finished or interrupted.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "promptlab/clip_model.hpp"
#include "promptlab/config.hpp"
#include "promptlab/registrar.hpp"
#include "store/run_store.hpp"
#include "train/protocol.hpp"

namespace promptlab {

class PluginHost;

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
  std::string cache_dir;                 // feature caches and few-shot splits ("" = the store's side folder);
                                         // tasks of a sweep share one, each with its own store
  std::int64_t text_chunk = kDefaultTextGradChunk;  // > 0: the text encoder's recomputation, this many sequences at a time
                                         // (ClipModel::set_text_grad_chunk; memory, not results: docs/speed.md)
  bool shared_prefix = true;             // false: every prompt encoded whole (ClipModel::set_share_text_prefix;
                                         // speed, not results: docs/speed.md)
};

/// Framework-wide defaults (the lowest layer of every resolved config).
Config framework_defaults();

/// method defaults < protocol (with the request's shots) < file < --set (framework defaults below all). Unknown keys in
/// the file or --set fail with the list of valid keys. A key another method declares but this one does not (say
/// sam.rho on a gcscoop run) is kept, since one bench config serves several methods, and described in `notes`
/// when given: it has no effect on this run.
Config resolve_config(const PluginHost& host, const Protocol& protocol, const ExperimentRequest& request,
                      std::vector<std::string>* notes = nullptr);

/// A run, planned: everything decided before any data or model is opened.
struct RunPlan {
  MethodSpec spec;
  Config config;                      // resolved (or, resuming, exactly as recorded)
  std::string config_hash;            // identifies the run's settings with its dataset
  std::vector<std::string> notes;     // warnings about the config, recorded with the run
  std::optional<RunRecord> resumed;   // the interrupted run this one continues
  std::optional<std::int64_t> finished_run;  // the same run already finished (skip it)
};

/// Plans `request`. Resuming (request.resume_run) keeps that run's recorded config, and refuses a
/// protocol that changed since. With `look_up_store`, a finished run with the same settings is
/// returned in finished_run, and an interrupted one becomes `resumed`.
RunPlan plan_run(const PluginHost& host, const RunStore& store, const std::string& db_path, const Protocol& protocol,
                 const ExperimentRequest& request, bool look_up_store);

}  // namespace promptlab

#pragma once
// `promptlab landscape`: a recorded run rebuilt (its recorded config, few-shot split and learned
// parameters) and its loss evaluated around the learned parameters (analysis/landscape.hpp).
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "analysis/landscape.hpp"
#include "store/run_store.hpp"

namespace promptlab {

class PluginHost;

struct LandscapeOptions {
  std::string split = "base";  // train (the few-shot training set, first view) | base | new | all (test sets)
  int dims = 1;                // 1: a curve along d1; 2: a grid along d1 and d2
  int points = 21;             // per axis
  double range = 1.0;          // each axis runs from -range to range (in units of the normalised direction)
  DirectionNorm norm = DirectionNorm::kFilter;
  std::uint64_t direction_seed = 0;
  std::string cache_dir;       // feature caches and few-shot splits ("" = the store's side folder)

  /// Checks the values; throws naming the option.
  void check() const;
  /// The grid in words, the key the store keeps the landscape under, e.g. "1d 21 range 1 filter seed 0".
  std::string grid_name() const;
};

/// The seed of the directions of a run of `dataset` and `seed`: runs of one dataset and seed whose
/// learners train the same shapes (coop, sam and gcscoop) get the same random draws.
std::uint64_t direction_generator_seed(const std::string& dataset, std::int64_t seed, std::uint64_t direction_seed);

/// The landscape of finished run `run_id` of the store at `db_path`: the cross-entropy (mean over
/// the split's examples) and the top-1 accuracy at each grid point. Throws naming the run when it
/// is not finished, kept no learned parameters, or its protocol file changed since.
std::vector<LandscapePoint> compute_landscape(const PluginHost& host, const RunStore& store, const std::string& db_path,
                                              std::int64_t run_id, const LandscapeOptions& options,
                                              const std::function<void(const std::string&)>& log);

}  // namespace promptlab

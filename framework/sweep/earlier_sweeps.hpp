#pragma once
// The sweeps already planned on a store, so that a new one sends no cell twice: what they have
// finished is collected first (and then skipped as finished), and what they still have queued or
// running is left out.
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "store/run_store.hpp"
#include "sweep/sweep_manifest.hpp"

namespace promptlab {

/// (method, dataset, seed).
using CellKey = std::tuple<std::string, std::string, std::int64_t>;

struct EarlierSweeps {
  int sweeps = 0;               // sweeps found on this store
  int runs_collected = 0;       // runs their shards added to or updated in the store
  std::set<CellKey> busy;       // cells queued or running in a sweep with the same settings
};

/// Looks through the sweep folders under `sweeps_root` (each a sweep.json) planned on `store`.
/// Collects the shards of their ended tasks into it, and lists the cells still queued or running
/// in those with this protocol hash and these bench arguments. Throws when Slurm cannot say which
/// tasks are still active (then nothing could be promised about duplicates).
EarlierSweeps settle_earlier_sweeps(const std::string& sweeps_root, RunStore& store, const std::string& protocol_hash,
                                    const std::vector<std::string>& bench_args);

}  // namespace promptlab

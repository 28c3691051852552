#pragma once
// The figures of `promptlab plot`, read from the run store: per-epoch curves of chosen runs,
// base against new accuracy, accuracy against shots, and sharpness against new accuracy.
#include <cstdint>
#include <string>
#include <vector>

#include "analysis/figure.hpp"
#include "store/run_store.hpp"

namespace promptlab {

/// The accuracy of `split` (base, new, all) on the run's own dataset among `results`, or NaN.
double own_split_accuracy(const std::vector<SplitResult>& results, const RunRecord& run, const std::string& split);

/// How figures name a run: "run 3 (gcscoop, tiny_shapes, seed 1)".
std::string run_caption(const RunRecord& run);

/// A 1-D landscape as a curve (loss against alpha), named after its run.
Series landscape_curve(const RunRecord& run, const std::vector<LandscapePoint>& points);

/// A 2-D landscape as a heatmap of the loss over (alpha, beta), titled with its run, split and grid.
Figure landscape_map(const RunRecord& run, const LandscapeKey& key, const std::vector<LandscapePoint>& points);

/// The name `epoch_figure` takes for the share of steps in each GCSAM branch.
inline constexpr const char* kBranchShare = "branch";

/// One series per run: its per-epoch `metric` (loss, acc, cos, grad_norm, lr, ... any name in
/// epoch_metrics). `metric` "branch" draws, per run and branch, the share of that epoch's steps
/// that took the branch (each branch_* count over their sum). Throws naming the run when it does
/// not exist or never recorded the metric (listing what it has).
Figure epoch_figure(const RunStore& store, const std::vector<std::int64_t>& runs, const std::string& metric);

/// The share of steps in each GCSAM branch per epoch, pooled over the finished runs matching
/// `filter` that recorded branches (steps of each branch summed over the runs, over all steps),
/// one series per branch. The title says how many runs were pooled.
Figure pooled_branch_figure(const RunStore& store, const ResultFilter& filter);

/// Per method, the mean of the per-epoch `metric` over the finished runs matching `filter` that
/// recorded it (one series per method, named with its run count). Methods without it are left out.
Figure pooled_epoch_figure(const RunStore& store, const ResultFilter& filter, const std::string& metric);

/// The finished runs the tables count (the newest per method, dataset, protocol and seed) that
/// match `filter` and have both a base and a new result on their own dataset.
std::vector<RunRecord> counted_runs(const RunStore& store, const ResultFilter& filter);

/// New accuracy against base accuracy, one point per counted run, one series per method.
Figure base_new_figure(const RunStore& store, const ResultFilter& filter);

/// New accuracy against the run's sharpness (run_metrics `sharpness`, docs/protocol.md §13), one
/// point per counted run that has it, one series per method.
Figure sharpness_figure(const RunStore& store, const ResultFilter& filter);

/// Few-shot accuracy (mean over seeds) against shots, one series per method and dataset.
Figure shots_figure(const RunStore& store, const ResultFilter& filter);

}  // namespace promptlab

#pragma once
// Stage 4 of a run, evaluate: the learned prompt on the test classes (base and new, or all of
// them), then on every transfer target with that target's classes and template.
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "promptlab/learner.hpp"
#include "store/run_store.hpp"
#include "train/evaluate.hpp"
#include "train/run_prepare.hpp"

namespace promptlab {

class PluginHost;

/// Accuracies (%) of one run; -1 where not evaluated.
struct RunEvaluation {
  double base = -1, new_ = -1, all = -1;
  std::vector<std::pair<std::string, double>> targets;  // in the protocol's order
};

/// Accuracy of the learner's current classes on `items` of `from`: a whole split at once, or, from a
/// streamed source, `streamed_chunk` images at a time. Unreadable images are left out.
Accuracy split_accuracy(Learner& learner, const InputSource& inputs, const Dataset& from,
                        const std::vector<DataItem>& items, const torch::Device& device,
                        std::size_t streamed_chunk = kStreamedItems);

/// Evaluates `learner` and hands every result to `record` and a line per result to `log`. The
/// learner is left on the training classes and the dataset's template.
RunEvaluation evaluate_run(Learner& learner, const InputSource& inputs, const Dataset& dataset,
                           const std::string& dataset_name, const RunData& data, const PluginHost& host,
                           const Protocol& protocol, const Config& config, const torch::Device& device,
                           const std::function<void(const SplitResult&)>& record,
                           const std::function<void(const std::string&)>& log, std::vector<std::string>& warnings);

}  // namespace promptlab

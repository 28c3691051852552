#include "train/run_evaluate.hpp"

#include <algorithm>

#include "data/dataset_listing.hpp"
#include "data/item_labels.hpp"
#include "data/reference_datasets.hpp"
#include "train/dataset_source.hpp"
#include "train/evaluate.hpp"
#include "train/features.hpp"

namespace promptlab {

namespace {

std::string result_line(const std::string& name, const Accuracy& acc) {
  return "  " + name + ": " + std::to_string(acc.correct) + "/" + std::to_string(acc.n) + " = " +
         std::to_string(acc.percent()) + "%";
}

}  // namespace

Accuracy split_accuracy(Learner& learner, const InputSource& inputs, const Dataset& from,
                        const std::vector<DataItem>& items, const torch::Device& device, std::size_t streamed_chunk) {
  // evaluate() batches what it is given; a streamed chunk of kStreamedItems is one of its batches.
  const std::size_t chunk = inputs.streamed ? std::max<std::size_t>(streamed_chunk, 1) : std::max<std::size_t>(items.size(), 1);
  Accuracy total;
  for (std::size_t begin = 0; begin < items.size(); begin += chunk) {
    const std::vector<DataItem> part = item_range(items, begin, chunk);
    torch::Tensor x = inputs(from, part, "test", 0, kReferenceCropScaleMin);
    torch::Tensor y = labels_of(part);
    drop_unreadable(x, y);
    const Accuracy acc = evaluate(learner, x.to(device), y.to(device));
    total.n += acc.n;
    total.correct += acc.correct;
  }
  return total;
}

RunEvaluation evaluate_run(Learner& learner, const InputSource& inputs, const Dataset& dataset,
                           const std::string& dataset_name, const RunData& data, const PluginHost& host,
                           const Protocol& protocol, const Config& config, const torch::Device& device,
                           const std::function<void(const SplitResult&)>& record,
                           const std::function<void(const std::string&)>& log, std::vector<std::string>& warnings) {
  RunEvaluation out;
  auto subset = [&](ClassSubset which, const std::string& split_name) {
    Subsampled s = subsample_classes(data.test_items, data.all_classnames, which, data.few_shot.train);
    if (s.items.empty()) return -1.0;
    learner.set_classnames(s.classnames);
    const Accuracy acc = split_accuracy(learner, inputs, dataset, s.items, device);
    record(SplitResult{split_name, acc.n, acc.correct, acc.percent()});
    log(result_line(split_name, acc));
    return acc.percent();
  };
  if (data.base2new) {
    out.base = subset(ClassSubset::kBase, "base");
    out.new_ = subset(ClassSubset::kNew, "new");
  } else {
    out.all = subset(ClassSubset::kAll, "all");
  }
  // The same learned prompt on every transfer target: its classes, its template, its test set.
  for (const auto& target_name : protocol.targets) {
    if (target_name == dataset_name) continue;
    std::shared_ptr<Dataset> target = open_dataset(host, target_name, config);
    for (const auto& problem : dataset_problems(*target)) warnings.push_back(problem.message);
    const auto items = target->items(Split::kTest);
    learner.set_target(target->classnames(), target->prompt_template());
    const Accuracy acc = split_accuracy(learner, inputs, *target, items, device);
    record(SplitResult{"all", acc.n, acc.correct, acc.percent(), target_name});
    log(result_line(target_name, acc));
    out.targets.emplace_back(target_name, acc.percent());
  }
  learner.set_target(data.train_set.classnames, dataset.prompt_template());
  return out;
}

}  // namespace promptlab

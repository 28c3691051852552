#pragma once
// Zero-shot and linear-probe evaluation of a CLIP model on the embedded suite.
#include <torch/torch.h>

#include <string>
#include <vector>

#include "promptlab/clip_model.hpp"
#include "promptlab/dataset.hpp"
#include "promptlab/tokenizer.hpp"

namespace promptlab::world {

/// Accuracies (percent) of one dataset. base/new are measured among their own half of the
/// classes (base = first ceil(n/2)), all among every class.
struct EmbeddedScores {
  std::string dataset;
  int classes = 0;
  int test_items = 0;
  double base = 0, novel = 0, all = 0;
  double linear_probe_base = -1;  // 16-shot logistic regression on frozen features (-1: not run)
};

/// L2-normalised image features [N, embed] of `items` (fp32, batches of 256).
torch::Tensor encode_items(ClipModel& model, const Dataset& dataset, const std::vector<DataItem>& items);

/// L2-normalised text features [C, embed] of the template filled with each class name.
torch::Tensor encode_prompts(ClipModel& model, const Tokenizer& tokenizer, const std::string& prompt_template,
                             const std::vector<std::string>& classnames);

/// Zero-shot accuracies on the test split; with `probe_shots` > 0 also the linear probe on base.
EmbeddedScores evaluate_embedded(ClipModel& model, const Tokenizer& tokenizer, const Dataset& dataset,
                                 int probe_shots = 0);

/// Evaluates every embedded dataset and returns the report as JSON text (per dataset and average).
std::string evaluate_suite_json(ClipModel& model, const Tokenizer& tokenizer, int probe_shots,
                                const std::string& model_label, std::vector<EmbeddedScores>* scores = nullptr);

}  // namespace promptlab::world

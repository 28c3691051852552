// Out-of-line anchors for the plugin SDK's interfaces.
#include "promptlab/dataset.hpp"
#include "promptlab/learner.hpp"
#include "promptlab/registrar.hpp"
#include "promptlab/step_rule.hpp"

namespace promptlab {

Dataset::~Dataset() = default;
Learner::~Learner() = default;
Objective::~Objective() = default;
StepRule::~StepRule() = default;
PluginRegistrar::~PluginRegistrar() = default;

std::vector<torch::Tensor> Learner::trainable_parameters() {
  std::vector<torch::Tensor> out;
  for (auto& p : parameters()) {
    if (p.requires_grad()) out.push_back(p);
  }
  return out;
}

LearnerOutput Learner::training_forward(const TrainingBatch& batch) {
  return {logits(input() == LearnerInput::kImages ? batch.images : batch.image_features), {}};
}

void Learner::end_epoch(const EpochEnd& /*epoch*/) {}

void Learner::set_target(const std::vector<std::string>& classnames, const std::string& /*prompt_template*/) {
  set_classnames(classnames);
}

std::string to_string(Split split) {
  switch (split) {
    case Split::kTrain: return "train";
    case Split::kVal: return "val";
    case Split::kTest: return "test";
  }
  return "unknown";
}

}  // namespace promptlab

#pragma once
// What a plugin registers: learners, step rules, methods and datasets, by name.
#include <functional>
#include <memory>
#include <string>

#include "promptlab/config.hpp"
#include "promptlab/dataset.hpp"
#include "promptlab/export.hpp"
#include "promptlab/learner.hpp"
#include "promptlab/step_rule.hpp"

namespace promptlab {

using LearnerFactory = std::function<std::shared_ptr<Learner>(const LearnerContext&)>;
using StepRuleFactory = std::function<std::unique_ptr<StepRule>(const Config&)>;
using DatasetFactory = std::function<std::shared_ptr<Dataset>(const DatasetOptions&)>;

/// The framework's own step rule: the plain gradient, applied by its SGD. Always registered, so a
/// method may bind it without listing it in its manifest's [requires].
inline constexpr const char* kPlainStepRule = "sgd";

/// A method: a name bound to a learner and a step rule. Its default config
/// comes from the plugin manifest's [methods.<name>] table.
struct MethodSpec {
  std::string name;
  std::string learner;    // registered learner name
  std::string step_rule;  // registered step rule name (kPlainStepRule: the framework's plain rule)
  std::string description;
  bool trains = true;     // false: evaluated without training (e.g. zero-shot)
};

/// Registration API handed to a plugin's entry point. Duplicate names throw.
class PROMPTLAB_API PluginRegistrar {
 public:
  virtual ~PluginRegistrar();
  virtual void add_learner(const std::string& name, LearnerFactory factory) = 0;
  virtual void add_step_rule(const std::string& name, StepRuleFactory factory) = 0;
  virtual void add_method(const MethodSpec& spec) = 0;
  virtual void add_dataset(const std::string& name, DatasetFactory factory) = 0;
};

}  // namespace promptlab

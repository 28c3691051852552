#include "registry/plugin_scaffold.hpp"

#include <cctype>
#include <fstream>
#include <stdexcept>
#include <utility>

namespace promptlab {

namespace {

// @name@: the plugin name; @Name@: its CamelCase form, for class names.
std::string fill(std::string text, const std::string& name) {
  std::string camel;
  bool up = true;
  for (char c : name) {
    if (c == '_') {
      up = true;
      continue;
    }
    camel += up ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    up = false;
  }
  const std::vector<std::pair<std::string, std::string>> keys = {{"@name@", name}, {"@Name@", camel}};
  for (const auto& [key, value] : keys) {
    for (std::size_t at = text.find(key); at != std::string::npos; at = text.find(key, at + value.size())) {
      text.replace(at, key.size(), value);
    }
  }
  return text;
}

const char* const kLearnerHeader = R"(#pragma once
// The @name@ learner: CoOp's learned context, plus the loss term "drift", which keeps the context
// near where it started. Replace the term with your own.
#include <promptlab/prompt/coop_learner.hpp>

namespace @name@_plugin {

/// weight * |ctx - initial|^2 (the squared distance summed over every element).
torch::Tensor drift_term(const torch::Tensor& ctx, const torch::Tensor& initial, double weight);

class @Name@Learner : public promptlab::CoopLearner {
 public:
  /// Reads @name@.weight.
  explicit @Name@Learner(const promptlab::LearnerContext& ctx);
  promptlab::LearnerOutput training_forward(const promptlab::TrainingBatch& batch) override;

 private:
  torch::Tensor initial_;
  double weight_;
};

}  // namespace @name@_plugin
)";

const char* const kLearnerSource = R"(#include "@name@_learner.hpp"

#include <cmath>

namespace @name@_plugin {

torch::Tensor drift_term(const torch::Tensor& ctx, const torch::Tensor& initial, double weight) {
  return weight * (ctx.to(torch::kFloat) - initial.to(torch::kFloat)).pow(2).sum();
}

@Name@Learner::@Name@Learner(const promptlab::LearnerContext& ctx)
    : promptlab::CoopLearner(ctx), initial_(context().detach().clone()),
      weight_(ctx.config.get_double("@name@.weight")) {
  if (!(weight_ >= 0.0) || !std::isfinite(weight_)) {
    throw promptlab::ConfigError("@name@.weight must be a finite number >= 0, got " + std::to_string(weight_));
  }
}

promptlab::LearnerOutput @Name@Learner::training_forward(const promptlab::TrainingBatch& batch) {
  promptlab::LearnerOutput out = promptlab::CoopLearner::training_forward(batch);
  out.terms["drift"] = drift_term(context(), initial_, weight_);  // stored per epoch as loss_drift
  return out;
}

}  // namespace @name@_plugin
)";

const char* const kRuleHeader = R"(#pragma once
// The @name@ step rule: the gradient of the training loss, scaled down to a global norm of at
// most @name@.max_norm. Replace it with your own rule.
#include <promptlab/step_rule.hpp>

#include <vector>

namespace @name@_plugin {

/// The gradients scaled by min(1, max_norm / |grads|), the norm taken over every tensor together.
std::vector<torch::Tensor> clip_to_norm(const std::vector<torch::Tensor>& grads, double max_norm);

class @Name@Rule : public promptlab::StepRule {
 public:
  explicit @Name@Rule(double max_norm) : max_norm_(max_norm) {}
  promptlab::StepMetrics compute_gradient(promptlab::Objective& objective) override;

 private:
  double max_norm_;
};

}  // namespace @name@_plugin
)";

const char* const kRuleSource = R"(#include "@name@_rule.hpp"

#include <promptlab/sharpness/sam_perturbation.hpp>

#include <algorithm>

namespace @name@_plugin {

// Tensors stay on the device (a 0-dim norm, a where() for the choice): reading a number with
// .item() would make the host wait for the device at every step.
std::vector<torch::Tensor> clip_to_norm(const std::vector<torch::Tensor>& grads, double max_norm) {
  const torch::Tensor norm = promptlab::sam::global_norm(grads);
  const torch::Tensor scale = torch::where(norm.gt(max_norm), max_norm / norm, torch::ones_like(norm));
  std::vector<torch::Tensor> out;
  for (const auto& g : grads) out.push_back(g * scale.to(g.scalar_type()));
  return out;
}

promptlab::StepMetrics @Name@Rule::compute_gradient(promptlab::Objective& objective) {
  const torch::Tensor loss = objective.evaluate();  // the training loss's gradient, now in .grad()
  const auto grads = promptlab::sam::snapshot_gradients(objective.parameters());
  const torch::Tensor norm = promptlab::sam::global_norm(grads);
  promptlab::sam::assign_gradients(objective.parameters(), clip_to_norm(grads, max_norm_));
  // Metrics are stored per epoch: grad_norm as mean/min/max, branch_* summed. The framework
  // reads every tensor among them with one transfer after the step.
  return {{"loss", loss}, {"grad_norm", norm}, {"branch_clipped", norm.gt(max_norm_).to(torch::kDouble)}};
}

}  // namespace @name@_plugin
)";

std::string plugin_source(ScaffoldKind kind) {
  const bool learner = kind != ScaffoldKind::kStepRule, rule = kind != ScaffoldKind::kLearner;
  std::string s = "// Entry point of the @name@ plugin: registers what plugin.toml lists under [provides].\n";
  s += "#include <promptlab/plugin.hpp>\n\n#include <cmath>\n\n";
  if (learner) s += "#include \"@name@_learner.hpp\"\n";
  if (rule) s += "#include \"@name@_rule.hpp\"\n";
  s += "\nnamespace {\n\nvoid register_@name@(promptlab::PluginRegistrar& registrar) {\n";
  if (learner) {
    s += "  registrar.add_learner(\"@name@\", [](const promptlab::LearnerContext& ctx) -> std::shared_ptr<promptlab::Learner> {\n"
         "    return std::make_shared<@name@_plugin::@Name@Learner>(ctx);\n  });\n";
  }
  if (rule) {
    s += "  registrar.add_step_rule(\"@name@\", [](const promptlab::Config& config) {\n"
         "    const double max_norm = config.get_double(\"@name@.max_norm\");\n"
         "    if (!(max_norm > 0.0) || !std::isfinite(max_norm)) {\n"
         "      throw promptlab::ConfigError(\"@name@.max_norm must be a finite number > 0, got \" + std::to_string(max_norm));\n"
         "    }\n"
         "    return std::make_unique<@name@_plugin::@Name@Rule>(max_norm);\n  });\n";
  }
  const std::string bound_learner = learner ? "\"@name@\"" : "\"coop\"";
  const std::string bound_rule = rule ? "\"@name@\"" : "promptlab::kPlainStepRule";
  s += "  // A method binds a learner and a step rule; its defaults are plugin.toml's [methods.@name@].\n"
       "  registrar.add_method({\"@name@\", " + bound_learner + ", " + bound_rule +
       ", \"@name@: describe it here\", true});\n}\n\n}  // namespace\n\nPROMPTLAB_PLUGIN(\"@name@\", \"0.1.0\", register_@name@)\n";
  return s;
}

std::string manifest(ScaffoldKind kind) {
  const bool learner = kind != ScaffoldKind::kStepRule, rule = kind != ScaffoldKind::kLearner;
  std::string s = "name = \"@name@\"\nversion = \"0.1.0\"\ndescription = \"@name@: describe it here\"\n"
                  "paper = \"\"\n\n[provides]\n";
  s += std::string("learners = [") + (learner ? "\"@name@\"" : "") + "]\n";
  s += std::string("step_rules = [") + (rule ? "\"@name@\"" : "") + "]\n";
  s += "methods = [\"@name@\"]\n";
  if (!learner) s += "\n# The method trains the coop plugin's learner.\n[requires]\nlearners = [\"coop\"]\n";
  s += "\n# Every key the method reads, with its default. They become part of each run's recorded,\n"
       "# hashed config; --set and protocol files override them.\n[methods.@name@]\n"
       "\"train.batch_size\" = 32\n\"train.epochs\" = 50\n\"optim.lr\" = 0.002\n\"coop.n_ctx\" = 4\n"
       "\"coop.init\" = \"a photo of a\"\n\"coop.csc\" = false\n\"coop.class_token_position\" = \"end\"\n";
  if (learner) s += "\"@name@.weight\" = 0.1\n";
  if (rule) s += "\"@name@.max_norm\" = 1.0\n";
  return s;
}

std::string cmake_lists(ScaffoldKind kind) {
  const bool learner = kind != ScaffoldKind::kStepRule, rule = kind != ScaffoldKind::kLearner;
  std::string sources = "@name@_plugin.cpp";
  std::string maths;
  if (learner) maths += " @name@_learner.cpp";
  if (rule) maths += " @name@_rule.cpp";
  return "# The @name@ plugin, built against an installed promptlab:\n"
         "#   cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH=<promptlab's install prefix>\n"
         "#   cmake --build build && ctest --test-dir build\n"
         "#   promptlab --plugin-path build/plugins run --method @name@ --dataset tiny_shapes\n"
         "cmake_minimum_required(VERSION 3.18)\nproject(@name@ CXX)\nset(CMAKE_CXX_STANDARD 17)\n"
         "find_package(promptlab REQUIRED)\npromptlab_add_plugin(@name@ SOURCES " + sources + maths + ")\n\n"
         "include(CTest)\npromptlab_add_plugin_test(@name@_test SOURCES test/@name@_test.cpp" + maths + ")\n";
}

std::string test_source(ScaffoldKind kind) {
  const bool learner = kind != ScaffoldKind::kStepRule, rule = kind != ScaffoldKind::kLearner;
  std::string s = "// The @name@ plugin's maths on values worked out by hand.\n#include <gtest/gtest.h>\n\n";
  if (learner) s += "#include \"@name@_learner.hpp\"\n";
  if (rule) s += "#include \"@name@_rule.hpp\"\n";
  s += "\nnamespace {\n";
  if (learner) {
    s += R"(
TEST(@Name@, DriftTermIsTheWeightedSquaredDistance) {
  // 0.5 * ((1 - 0)^2 + (2 - 0)^2) = 2.5, and its gradient is 2 * 0.5 * (ctx - initial) = (1, 2).
  const torch::Tensor ctx = torch::tensor({{1.0f, 2.0f}}).requires_grad_(true);
  const torch::Tensor term = @name@_plugin::drift_term(ctx, torch::zeros({1, 2}), 0.5);
  EXPECT_NEAR(term.item<double>(), 2.5, 1e-6);
  term.backward();
  EXPECT_TRUE(torch::allclose(ctx.grad(), torch::tensor({{1.0f, 2.0f}})));
}
)";
  }
  if (rule) {
    s += R"(
TEST(@Name@, ClipsTheGlobalNormOfAllTensorsTogether) {
  // |(3, 4)| = 5: clipped to 1 it is (0.6, 0.8); a bound of 10 leaves it.
  const std::vector<torch::Tensor> grads = {torch::tensor({3.0f}), torch::tensor({4.0f})};
  const auto clipped = @name@_plugin::clip_to_norm(grads, 1.0);
  EXPECT_NEAR(clipped[0].item<double>(), 0.6, 1e-6);
  EXPECT_NEAR(clipped[1].item<double>(), 0.8, 1e-6);
  EXPECT_NEAR(@name@_plugin::clip_to_norm(grads, 10.0)[1].item<double>(), 4.0, 1e-6);
}
)";
  }
  return s + "\n}  // namespace\n";
}

}  // namespace

ScaffoldKind parse_scaffold_kind(const std::string& text) {
  if (text == "learner") return ScaffoldKind::kLearner;
  if (text == "step-rule") return ScaffoldKind::kStepRule;
  if (text == "method") return ScaffoldKind::kMethod;
  throw std::invalid_argument("--kind must be learner, step-rule or method, not \"" + text + "\"");
}

void check_plugin_name(const std::string& name) {
  const auto bad = [&name](const std::string& why) {
    return std::invalid_argument("the plugin name \"" + name + "\" " + why +
                                 " (a plugin name is a lower-case letter, then lower-case letters, digits or _)");
  };
  if (name.empty()) throw bad("is empty");
  if (name.size() > 40) throw bad("is longer than 40 characters");
  if (!std::islower(static_cast<unsigned char>(name[0]))) throw bad("does not start with a lower-case letter");
  for (char c : name) {
    if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '_')) {
      throw bad(std::string("holds '") + c + "'");
    }
  }
}

std::map<std::string, std::string> scaffold_files(const std::string& name, ScaffoldKind kind) {
  check_plugin_name(name);
  std::map<std::string, std::string> files;
  files["CMakeLists.txt"] = cmake_lists(kind);
  files["plugin.toml"] = manifest(kind);
  files[name + "_plugin.cpp"] = plugin_source(kind);
  files["test/" + name + "_test.cpp"] = test_source(kind);
  if (kind != ScaffoldKind::kStepRule) {
    files[name + "_learner.hpp"] = kLearnerHeader;
    files[name + "_learner.cpp"] = kLearnerSource;
  }
  if (kind != ScaffoldKind::kLearner) {
    files[name + "_rule.hpp"] = kRuleHeader;
    files[name + "_rule.cpp"] = kRuleSource;
  }
  for (auto& [path, text] : files) text = fill(text, name);
  return files;
}

std::vector<std::filesystem::path> write_scaffold(const std::filesystem::path& folder, const std::string& name, ScaffoldKind kind) {
  const auto files = scaffold_files(name, kind);
  namespace fs = std::filesystem;
  if (fs::exists(folder) && !(fs::is_directory(folder) && fs::is_empty(folder))) {
    throw std::runtime_error(folder.string() + " already exists and is not an empty folder; nothing was written");
  }
  std::vector<fs::path> written;
  for (const auto& [relative, text] : files) {
    const fs::path path = folder / relative;
    fs::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary);
    out << text;
    if (!out.flush()) throw std::runtime_error("cannot write " + path.string());
    written.push_back(path);
  }
  return written;
}

}  // namespace promptlab

// Parity with an independent Python reference (tests/plugins/reference/step_reference.py):
// CoOp and CoCoOp steps under SGD, SAM, ASAM and GCSAM give the same updated parameters.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "cocoop/cocoop_learner.hpp"
#include "promptlab/prompt/coop_learner.hpp"
#include "gcscoop/gcsam_rule.hpp"
#include "sam/sam_rule.hpp"
#include "support/python_fixture.hpp"
#include "tiny_clip.hpp"
#include "train/batch_objective.hpp"
#include "train/sgd.hpp"

namespace promptlab {
namespace {

namespace fs = std::filesystem;

struct Case {
  std::string name, learner, rule;
  double rho = 0, beta1 = 0, beta2 = 0;
  bool adaptive = false;
};

const std::vector<Case> kCases = {
    {"coop_sgd", "coop", "sgd"},
    {"coop_sam", "coop", "sam", 0.1},
    {"coop_asam", "coop", "sam", 0.5, 0, 0, true},
    {"coop_gcsam", "coop", "gcsam", 0.1, 0.5, 0.8},
    {"coop_gcsam_twobranch", "coop", "gcsam", 0.5, 0.0, 0.9999},
    {"cocoop_sgd", "cocoop", "sgd"},
    {"cocoop_gcsam", "cocoop", "gcsam", 0.5, 0.5, 0.999},
};
constexpr int kSteps = 2;

fs::path fresh_dir() {
  const char* root = std::getenv("PROMPTLAB_TEST_TMP");
  fs::path base = root ? fs::path(root) : fs::temp_directory_path();
  fs::create_directories(base);
  std::string tmpl = (base / "plugins-parity-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("cannot create a directory under " + base.string());
  return tmpl;
}

void save(const fs::path& dir, std::ofstream& index, const std::string& name, const torch::Tensor& t) {
  torch::Tensor c = t.detach().cpu().contiguous();
  const bool is_long = c.scalar_type() == torch::kLong;
  if (!is_long) c = c.to(torch::kFloat);
  std::ofstream out(dir / (name + ".bin"), std::ios::binary);
  out.write(static_cast<const char*>(c.data_ptr()), static_cast<std::streamsize>(c.numel() * c.element_size()));
  index << name << (is_long ? " i64 " : " f32 ") << c.dim();
  for (auto s : c.sizes()) index << " " << s;
  index << "\n";
}

torch::Tensor load_like(const fs::path& file, const torch::Tensor& like) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error("missing reference output " + file.string());
  torch::Tensor t = torch::empty(like.sizes(), torch::kFloat);
  in.read(static_cast<char*>(t.data_ptr()), static_cast<std::streamsize>(t.numel() * sizeof(float)));
  if (in.gcount() != static_cast<std::streamsize>(t.numel() * sizeof(float))) {
    throw std::runtime_error("short reference output " + file.string());
  }
  return t;
}

class ParityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const std::string why = test::fixture::python_missing("torch"); !why.empty()) GTEST_SKIP() << why;
    torch::manual_seed(21);
    for (int s = 0; s < kSteps; ++s) {
      features_.push_back(torch::randn({3, 32}));
      labels_.push_back(torch::randint(0, 3, {3}, torch::kLong));
    }
  }
  LearnerContext context() {
    LearnerContext ctx;
    ctx.clip = clip_;
    ctx.tokenizer = &tokenizer_;
    ctx.classnames = {"dog", "sea_lion", "cat"};
    ctx.config.set("coop.n_ctx", std::int64_t{4});
    ctx.config.set("coop.init", std::string("a photo of a"));
    ctx.config.set("coop.csc", false);
    ctx.config.set("coop.class_token_position", std::string("end"));
    ctx.config.set("seed", std::int64_t{9});
    return ctx;
  }
  std::shared_ptr<Learner> make(const std::string& learner) {
    if (learner == "coop") return std::make_shared<CoopLearner>(context());
    return std::make_shared<CocoopLearner>(context());
  }
  std::unique_ptr<StepRule> rule(const Case& c) {
    if (c.rule == "sam") return std::make_unique<SamRule>(SamOptions{c.rho, c.adaptive});
    if (c.rule == "gcsam") return std::make_unique<GcsamRule>(GcsamOptions{c.rho, c.beta1, c.beta2});
    return std::make_unique<PlainStepRule>();
  }
  SgdOptions sgd_options() const {
    SgdOptions o;
    o.lr = 0.05;
    o.momentum = 0.9;
    o.weight_decay = 0.005;
    return o;
  }
  void write_inputs(const fs::path& dir) {
    std::ofstream index(dir / "index.txt");
    for (auto& item : clip_->named_parameters()) {
      if (item.key().rfind("visual.", 0) != 0) save(dir, index, "clip." + item.key(), item.value());
    }
    CoopLearner coop(context());
    save(dir, index, "prompt_ids", coop.tokens().ids);
    CocoopLearner cocoop(context());
    auto params = cocoop.trainable_parameters();
    for (std::size_t i = 1; i < params.size(); ++i) save(dir, index, "cocoop_init_" + std::to_string(i), params[i]);
    for (int s = 0; s < kSteps; ++s) {
      save(dir, index, "features_" + std::to_string(s), features_[s]);
      save(dir, index, "labels_" + std::to_string(s), labels_[s]);
    }
    const SgdOptions o = sgd_options();
    std::ofstream meta(dir / "meta.txt");
    meta.precision(17);
    meta << "text_layers " << clip_->config().text_layers << "\nheads " << clip_->config().text_heads() << "\nn_ctx "
         << coop.options().n_ctx << "\nsteps " << kSteps << "\nlr " << o.lr << "\nmomentum " << o.momentum
         << "\nweight_decay " << o.weight_decay << "\n";
    for (const auto& c : kCases) {
      meta << "case " << c.name << " " << c.learner << " " << c.rule << " " << c.rho << " " << (c.adaptive ? 1 : 0)
           << " " << c.beta1 << " " << c.beta2 << "\n";
    }
  }
  std::map<std::string, double> read_reference_metrics(const fs::path& file) {
    std::map<std::string, double> out;
    std::ifstream in(file);
    std::string name, key;
    int step = 0;
    double value = 0;
    while (in >> name >> step >> key >> value) out[name + "/" + std::to_string(step) + "/" + key] = value;
    return out;
  }

  Tokenizer tokenizer_ = test::tiny_tokenizer();
  ClipModel clip_ = test::tiny_clip(13);
  std::vector<torch::Tensor> features_, labels_;
};

TEST_F(ParityTest, StepsMatchTheIndependentPythonReference) {
  const fs::path dir = fresh_dir();
  write_inputs(dir);
  const std::string script = std::string(PROMPTLAB_SOURCE_DIR) + "/tests/plugins/reference/step_reference.py";
  const std::string cmd = test::fixture::python() + " " + script + " " + dir.string() + " > " + (dir / "log.txt").string() +
                          " 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << "reference failed; see " << (dir / "log.txt");
  const auto reference_metrics = read_reference_metrics(dir / "out_metrics.txt");

  double branch_proj_total = 0;
  for (const auto& c : kCases) {
    SCOPED_TRACE(c.name);
    auto learner = make(c.learner);
    auto params = learner->trainable_parameters();
    std::vector<torch::Tensor> initial;
    for (auto& p : params) initial.push_back(p.detach().clone());
    Sgd sgd(params, sgd_options());
    auto step_rule = rule(c);
    for (int s = 0; s < kSteps; ++s) {
      BatchObjective objective(*learner, features_[s], labels_[s]);
      const auto m = read_metrics(step_rule->compute_gradient(objective));
      sgd.step();
      const std::string key = c.name + "/" + std::to_string(s) + "/";
      EXPECT_NEAR(m.at("loss"), reference_metrics.at(key + "loss"), 1e-5) << "step " << s;
      if (c.rule == "gcsam") {
        for (const char* b : {"branch_sam", "branch_proj", "branch_sgd"}) {
          EXPECT_EQ(m.at(b), reference_metrics.at(key + b)) << b << " at step " << s;
        }
        branch_proj_total += m.at("branch_proj");
      }
    }
    for (std::size_t i = 0; i < params.size(); ++i) {
      torch::Tensor want = load_like(dir / ("out_" + c.name + "_" + std::to_string(i) + ".bin"), params[i]);
      EXPECT_LE(test::max_abs_diff(params[i], want), 1e-5) << "parameter " << i;
      // The comparison means something only if the step moved the parameter well past the tolerance.
      EXPECT_GT(test::max_abs_diff(params[i], initial[i]), 1e-3) << "parameter " << i << " barely moved";
    }
  }
  EXPECT_GT(branch_proj_total, 0.0) << "no case exercised GCSAM's projection branch";
  fs::remove_all(dir);
}

}  // namespace
}  // namespace promptlab

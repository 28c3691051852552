// Out-of-range config values are refused before any run starts, naming the key and the value.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "cli/cli_test_util.hpp"

using promptlab::test::artifact_text;
using promptlab::test::fresh_dir;
using promptlab::test::run_cli;
namespace fs = std::filesystem;

namespace {

struct Case {
  std::string args;                  // after `run --dataset tiny_shapes`
  std::vector<std::string> needles;  // all must be in the message
};

TEST(ConfigErrors, OutOfRangeValuesAreRefusedBeforeTheRunStarts) {
  PROMPTLAB_REQUIRE_EMBEDDED_MODEL();
  const auto dir = fresh_dir("config_ranges");
  const std::string nan_file = (dir / "nan.toml").string();
  std::ofstream(nan_file) << "[optim]\nlr = nan\n";
  const std::vector<Case> cases = {
      {"--method coop --set optim.lr=0", {"optim.lr = 0", "> 0"}},
      {"--method coop --set optim.lr=-0.1", {"optim.lr = -0.1"}},
      {"--method coop --config " + nan_file, {"optim.lr = nan"}},
      {"--method coop --set optim.lr=1e999", {"optim.lr"}},
      {"--method coop --set optim.weight_decay=-1e-4", {"optim.weight_decay = -0.0001"}},
      {"--method coop --set optim.momentum=1", {"optim.momentum = 1"}},
      {"--method coop --set data.shots=0", {"data.shots = 0"}},
      {"--method coop --set train.epochs=0", {"train.epochs = 0", "1 or more"}},
      {"--method coop --set train.batch_size=0", {"train.batch_size = 0"}},
      {"--method coop --set train.batch_size=99999999999", {"train.batch_size = 99999999999"}},
      {"--method coop --set train.views=0", {"train.views = 0"}},
      {"--method coop --set data.crop_scale_min=1.5", {"data.crop_scale_min = 1.5"}},
      {"--method sam --set sam.rho=-0.1", {"sam.rho", "-0.1"}},
      {"--method gcscoop --set gcsam.beta1=0.9 --set gcsam.beta2=0.5", {"gcsam.beta1", "gcsam.beta2"}},
      {"--method gcscoop --set gcsam.beta2=2", {"gcsam.beta2", "[-1, 1]"}},
  };
  for (const auto& c : cases) {
    const std::string db = (dir / "runs.db").string();
    auto r = run_cli("run --dataset tiny_shapes " + c.args + " --db " + db);
    EXPECT_NE(r.exit_code, 0) << c.args << "\n" << r.output;
    for (const auto& needle : c.needles) EXPECT_NE(r.output.find(needle), std::string::npos) << c.args << "\n" << r.output;
    EXPECT_FALSE(fs::exists(db)) << c.args << ": refused input must not start a run";
  }
  // Zero-shot has no training: its zero epochs are fine.
  EXPECT_EQ(run_cli("run --method zeroshot --dataset tiny_shapes --db " + (dir / "zs.db").string()).exit_code, 0);
}

}  // namespace

namespace {

TEST(ConfigErrors, DivergingTrainingFailsNamingEpochAndStepOrSkipsWhenAsked) {
  PROMPTLAB_REQUIRE_EMBEDDED_MODEL();
  const auto dir = fresh_dir("config_nonfinite");
  const std::string args = "run --method coop --dataset tiny_shapes --set optim.lr=1e30 --set train.epochs=3 "
                           "--set train.views=1 --threads 1 --db ";
  auto fail = run_cli(args + (dir / "fail.db").string());
  EXPECT_NE(fail.exit_code, 0);
  EXPECT_NE(fail.output.find("epoch 1, step"), std::string::npos) << fail.output;
  EXPECT_NE(fail.output.find("the loss is nan"), std::string::npos) << fail.output;
  auto skip = run_cli(args + (dir / "skip.db").string() + " --set train.nonfinite=skip");
  EXPECT_EQ(skip.exit_code, 0) << skip.output;
  auto bad = run_cli(args + (dir / "bad.db").string() + " --set train.nonfinite=ignore");
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.output.find("train.nonfinite = \"ignore\""), std::string::npos) << bad.output;
}

}  // namespace

namespace {

// One bench config may hold every method's keys, so a key only another method declares is accepted;
// the run says it will most likely ignore it, on the terminal and in the run's stored warnings.
TEST(ConfigErrors, AKeyOnlyAnotherMethodDeclaresIsNamedAndStoredWithTheRun) {
  PROMPTLAB_REQUIRE_EMBEDDED_MODEL();
  const auto dir = fresh_dir("config_foreign_key");
  const std::string file = (dir / "all_methods.toml").string();
  std::ofstream(file) << "[sam]\nadaptive = true\n[gcsam]\nbeta1 = 0.4\n";
  const std::string db = (dir / "runs.db").string();
  auto r = run_cli("run --method gcscoop --dataset tiny_shapes --config " + file +
                   " --set sam.rho=-0.1 --set train.epochs=1 --set train.views=1 --threads 1 --db " + db);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string from_set = "config key sam.rho (from --set) is declared by method sam but not by gcscoop";
  const std::string from_file = "config key sam.adaptive (from " + file + ") is declared by method sam but not by gcscoop";
  EXPECT_NE(r.output.find(from_set), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(from_file), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("gcsam.beta1 ("), std::string::npos) << "gcscoop's own key was reported:\n" << r.output;
  promptlab::RunStore store(db);
  const auto runs = store.list_runs();
  ASSERT_EQ(runs.size(), 1u);
  const std::string warnings = artifact_text(store, runs[0].id, "warnings");
  EXPECT_NE(warnings.find(from_set), std::string::npos) << warnings;
  EXPECT_NE(warnings.find(from_file), std::string::npos) << warnings;
  // The method's own keys and the framework's give no such note.
  auto own = run_cli("run --method sam --dataset tiny_shapes --set sam.rho=0.2 --set optim.lr=0.001 "
                     "--set train.epochs=1 --set train.views=1 --threads 1 --db " + (dir / "own.db").string());
  ASSERT_EQ(own.exit_code, 0) << own.output;
  EXPECT_EQ(own.output.find("config key"), std::string::npos) << own.output;
}

}  // namespace

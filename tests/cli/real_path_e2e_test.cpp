// End to end, the way a lab runs it: the `promptlab` binary on small trees in each of the eleven
// reference layouts (tests/cli/reference/make_real_layouts.py) with an OpenAI-layout TorchScript
// archive of random weights and a BPE merges file in OpenAI's format.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>
#include <nlohmann/json.hpp>

#include "cli/cli_test_util.hpp"
#include "store/run_store.hpp"
#include "support/python_fixture.hpp"

using namespace promptlab;
using promptlab::test::artifact_text;
using promptlab::test::fresh_dir;
using promptlab::test::run_cli;
namespace fs = std::filesystem;

namespace {

// The generated tree, weights and vocabulary (shared by every test process).
struct RealFixture {
  fs::path root;
  std::string data() const { return (root / "data").string(); }
  std::string weights() const { return (root / "weights.pt").string(); }
  std::string vocab() const { return (root / "bpe_vocab.txt.gz").string(); }
  std::string model_args() const { return " --weights " + weights() + " --vocab " + vocab(); }
  std::string args() const { return model_args() + " --data-root " + data(); }
};

const RealFixture& real_fixture() {
  static const RealFixture f = [] {
    const fs::path src(PROMPTLAB_SOURCE_DIR);
    RealFixture r;
    r.root = test::fixture::generated_once("real-layouts", src / "tests/cli/reference/make_real_layouts.py",
                                           {src / "tests/clip/reference/make_reference.py"}, "layouts.json");
    return r;
  }();
  return f;
}

#define REQUIRE_PYTHON_FIXTURE()                                                              \
  do {                                                                                        \
    const std::string why_ = promptlab::test::fixture::python_missing("torch, PIL");          \
    if (!why_.empty()) GTEST_SKIP() << "the real-layout fixture needs Python: " << why_;      \
  } while (0)

const RunRecord* find_run(const std::vector<RunRecord>& runs, const std::string& method) {
  auto it = std::find_if(runs.begin(), runs.end(), [&](const RunRecord& r) { return r.method == method; });
  return it == runs.end() ? nullptr : &*it;
}

class RealLayout : public ::testing::TestWithParam<std::string> {};

// Each layout: a zeroshot and a coop run through the binary, both recorded with base and new results.
TEST_P(RealLayout, ZeroshotAndCoopRunsAreRecordedWithBaseAndNewResults) {
  REQUIRE_PYTHON_FIXTURE();
  const RealFixture& fx = real_fixture();
  const std::string dataset = GetParam();
  const auto dir = fresh_dir("real_" + dataset);
  const std::string db = (dir / "runs.db").string();
  const std::string common = " --dataset " + dataset + fx.args() + " --db " + db + " --threads 1";
  auto zs = run_cli("run --method zeroshot" + common);
  ASSERT_EQ(zs.exit_code, 0) << zs.output;
  auto coop = run_cli("run --method coop --set train.epochs=2 --set train.views=2" + common);
  ASSERT_EQ(coop.exit_code, 0) << coop.output;

  RunStore store(db);
  const auto runs = store.list_runs();
  ASSERT_EQ(runs.size(), 2u);
  for (const char* method : {"zeroshot", "coop"}) {
    const RunRecord* run = find_run(runs, method);
    ASSERT_NE(run, nullptr) << method;
    EXPECT_EQ(run->status, "finished") << run->error;
    EXPECT_EQ(run->dataset, dataset);
    EXPECT_EQ(run->protocol, "base2new");  // the default protocol with --weights
    EXPECT_EQ(fs::path(run->model_path).filename(), "weights.pt");
    const auto results = store.results(run->id);
    ASSERT_EQ(results.size(), 2u) << method;
    std::vector<std::string> splits;
    for (const auto& r : results) {
      splits.push_back(r.split);
      EXPECT_EQ(r.n, 4) << method << " " << r.split;  // 2 classes x 2 test images in every layout
      EXPECT_GE(r.accuracy, 0.0);
      EXPECT_LE(r.accuracy, 100.0);
    }
    std::sort(splits.begin(), splits.end());
    EXPECT_EQ(splits, (std::vector<std::string>{"base", "new"}));
  }
  const RunRecord* coop_run = find_run(runs, "coop");
  EXPECT_EQ(store.epochs(coop_run->id).size(), 2u);
  EXPECT_FALSE(artifact_text(store, coop_run->id, "parameters").empty());
  // Four classes where the full dataset has more: recorded as a warning, not an error.
  EXPECT_NE(artifact_text(store, coop_run->id, "warnings").find("found 4 classes"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(ElevenLayouts, RealLayout,
                         ::testing::Values("imagenet", "caltech101", "oxford_pets", "stanford_cars", "oxford_flowers",
                                           "food101", "fgvc_aircraft", "sun397", "dtd", "eurosat", "ucf101"),
                         [](const ::testing::TestParamInfo<std::string>& p) { return p.param; });

TEST(RealPath, CorruptTrainingImageIsLeftOutAndNamed) {
  REQUIRE_PYTHON_FIXTURE();
  const RealFixture& fx = real_fixture();
  const auto dir = fresh_dir("real_corrupt");
  const std::string db = (dir / "runs.db").string();
  auto r = run_cli("run --method coop --dataset oxford_pets --set train.epochs=1 --set train.views=1" + fx.args() +
                   " --db " + db + " --threads 1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  RunStore store(db);
  const auto runs = store.list_runs();
  ASSERT_EQ(runs.size(), 1u);
  const auto epochs = store.epochs(runs[0].id);
  ASSERT_EQ(epochs.size(), 1u);
  ASSERT_TRUE(epochs[0].values.count("loss"));
  EXPECT_TRUE(std::isfinite(epochs[0].values.at("loss"))) << "an unreadable image must not turn the loss NaN";
  const std::string warnings = artifact_text(store, runs[0].id, "warnings");
  EXPECT_NE(warnings.find("abyssinian_train_0.jpg"), std::string::npos) << warnings;
  EXPECT_NE(warnings.find("1 of 8 training images were unreadable"), std::string::npos) << warnings;
}

TEST(RealPath, BenchBase2NewOverTwoLayoutsPrintsTheTableAndResumes) {
  REQUIRE_PYTHON_FIXTURE();
  const RealFixture& fx = real_fixture();
  const auto dir = fresh_dir("real_bench");
  const std::string db = (dir / "runs.db").string();
  const std::string cmd = "bench --protocol base2new --methods zeroshot,coop --datasets caltech101,fgvc_aircraft "
                          "--seeds 1 --set train.epochs=1 --set train.views=1 --format csv" +
                          fx.args() + " --db " + db + " --threads 1";
  auto first = run_cli(cmd);
  ASSERT_EQ(first.exit_code, 0) << first.output;
  for (const char* needle : {"caltech101", "fgvc_aircraft", "zeroshot", "coop", "average"}) {
    EXPECT_NE(first.output.find(needle), std::string::npos) << needle << " in:\n" << first.output;
  }
  EXPECT_NE(first.output.find("4 runs in the grid, 0 already finished, 0 failed"), std::string::npos) << first.output;
  auto second = run_cli(cmd);
  ASSERT_EQ(second.exit_code, 0) << second.output;
  EXPECT_NE(second.output.find("4 already finished"), std::string::npos) << second.output;
  RunStore store(db);
  EXPECT_EQ(store.list_runs().size(), 4u);
}

// Each missing input gets its own error naming the path, and no run is recorded.
TEST(RealPath, MissingWeightsVocabularyOrDataRootIsNamedBeforeAnyWork) {
  REQUIRE_PYTHON_FIXTURE();
  const RealFixture& fx = real_fixture();
  const auto dir = fresh_dir("real_missing");
  const std::string db = (dir / "runs.db").string();
  struct Case {
    std::string args, needle;
  };
  const std::vector<Case> cases = {
      {" --weights /nonexistent/ViT-B-16.pt --vocab " + fx.vocab() + " --data-root " + fx.data(),
       "/nonexistent/ViT-B-16.pt"},
      {" --weights " + fx.weights() + " --vocab /nonexistent/bpe.txt.gz --data-root " + fx.data(),
       "/nonexistent/bpe.txt.gz"},
      {" --weights " + fx.weights() + " --data-root " + fx.data(), "--vocab"},
      {fx.model_args() + " --data-root /nonexistent/data", "/nonexistent/data"},
      // The defect this test was written for: with no data root named, the weights are checked first.
      {" --weights /nonexistent/ViT-B-16.pt", "/nonexistent/ViT-B-16.pt"},
  };
  for (const auto& c : cases) {
    auto r = run_cli("run --method coop --dataset oxford_pets" + c.args + " --db " + db);
    EXPECT_NE(r.exit_code, 0) << c.args;
    EXPECT_NE(r.output.find(c.needle), std::string::npos) << c.args << "\n" << r.output;
    EXPECT_EQ(r.output.find("run 1"), std::string::npos) << r.output;
  }
  EXPECT_FALSE(fs::exists(db)) << "no run may start before the inputs are checked";
}

TEST(RealPath, MissingSplitFileIsNamedByRunAndByDatasets) {
  REQUIRE_PYTHON_FIXTURE();
  const RealFixture& fx = real_fixture();
  const auto dir = fresh_dir("real_missing_split");
  const fs::path data = dir / "data";
  fs::copy(fx.data(), data, fs::copy_options::recursive);
  const fs::path split = data / "dtd" / "split_zhou_DescribableTextures.json";
  fs::remove(split);
  fs::remove_all(data / "imagenet" / "images" / "val");
  const std::string db = (dir / "runs.db").string();
  auto r = run_cli("run --method zeroshot --dataset dtd" + fx.model_args() + " --data-root " + data.string() +
                   " --db " + db);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("split file " + split.string()), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(db));

  auto listing = run_cli("datasets --data-root " + data.string());
  ASSERT_EQ(listing.exit_code, 0) << listing.output;
  EXPECT_NE(listing.output.find("split file " + split.string()), std::string::npos) << listing.output;
  EXPECT_NE(listing.output.find((data / "imagenet" / "images" / "val").string() + "/"), std::string::npos)
      << listing.output;
  // The other layouts are found, with their class counts.
  EXPECT_NE(listing.output.find("eurosat"), std::string::npos);
  EXPECT_EQ(listing.output.find((data / "eurosat").string()), std::string::npos) << listing.output;
}

}  // namespace

namespace {

// Results of a run, keyed "<dataset>/<split>" -> n.
std::map<std::string, std::int64_t> result_sizes(RunStore& store, std::int64_t run) {
  std::map<std::string, std::int64_t> out;
  for (const auto& r : store.results(run)) out[r.dataset + "/" + r.split] = r.n;
  return out;
}

TEST(RealPath, DomainGeneralizationEvaluatesOnePromptOnEveryShiftedImageNet) {
  REQUIRE_PYTHON_FIXTURE();
  const RealFixture& fx = real_fixture();
  const auto dir = fresh_dir("real_dg");
  const std::string db = (dir / "runs.db").string();
  auto r = run_cli("bench --protocol domain-generalization --methods zeroshot,coop --seeds 1 --set train.epochs=1 "
                   "--set train.views=1" + fx.args() + " --db " + db + " --threads 1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* needle : {"source acc", "imagenet_v2", "imagenet_sketch", "imagenet_a", "imagenet_r",
                             "target average"}) {
    EXPECT_NE(r.output.find(needle), std::string::npos) << needle << " in:\n" << r.output;
  }
  RunStore store(db);
  const auto runs = store.list_runs();
  ASSERT_EQ(runs.size(), 2u);
  for (const auto& run : runs) {
    EXPECT_EQ(run.status, "finished") << run.error;
    EXPECT_EQ(run.dataset, "imagenet");
    EXPECT_EQ(run.shots, 16);
    // 4 classes x 2 test images, except -A and -R: 2 of the 4 classes, so their logits cover 2.
    EXPECT_EQ(result_sizes(store, run.id),
              (std::map<std::string, std::int64_t>{{"imagenet/all", 8},
                                                   {"imagenet_v2/all", 8},
                                                   {"imagenet_sketch/all", 8},
                                                   {"imagenet_a/all", 4},
                                                   {"imagenet_r/all", 4}}))
        << run.method;
  }
  auto table = run_cli("results --table transfer --format csv --db " + db);
  ASSERT_EQ(table.exit_code, 0) << table.output;
  EXPECT_EQ(std::count(table.output.begin(), table.output.end(), '\n'), 1 + 2 * 5) << table.output;
}

TEST(RealPath, CrossDatasetRecordsEveryTargetAndFewShotEveryShotCount) {
  REQUIRE_PYTHON_FIXTURE();
  const RealFixture& fx = real_fixture();
  const auto dir = fresh_dir("real_xd_fs");
  const std::string db = (dir / "runs.db").string();
  const std::string common = " --seeds 1 --set train.epochs=1 --set train.views=1" + fx.args() + " --db " + db +
                             " --threads 1";
  auto xd = run_cli("bench --protocol cross-dataset --methods coop" + common);
  ASSERT_EQ(xd.exit_code, 0) << xd.output;
  auto fs_run = run_cli("bench --protocol few-shot --methods zeroshot,coop --datasets dtd,eurosat" + common);
  ASSERT_EQ(fs_run.exit_code, 0) << fs_run.output;
  EXPECT_NE(fs_run.output.find("20 runs in the grid"), std::string::npos) << fs_run.output;
  for (const char* needle : {"1 shot", "2 shots", "4 shots", "8 shots", "16 shots", "dtd", "eurosat", "average"}) {
    EXPECT_NE(fs_run.output.find(needle), std::string::npos) << needle << " in:\n" << fs_run.output;
  }
  RunStore store(db);
  std::set<std::int64_t> shots;
  std::size_t transfer_runs = 0;
  for (const auto& run : store.list_runs()) {
    EXPECT_EQ(run.status, "finished") << run.error;
    if (run.protocol == "cross-dataset") {
      ++transfer_runs;
      EXPECT_EQ(store.results(run.id).size(), 11u);  // imagenet and its ten targets
    } else {
      shots.insert(run.shots);
      EXPECT_EQ(store.results(run.id).size(), 1u);
    }
  }
  EXPECT_EQ(transfer_runs, 1u);
  EXPECT_EQ(shots, (std::set<std::int64_t>{1, 2, 4, 8, 16}));
  // Both tables from the one store, in text; CSV needs a choice.
  auto all = run_cli("results --db " + db);
  ASSERT_EQ(all.exit_code, 0) << all.output;
  EXPECT_NE(all.output.find("few-shot:"), std::string::npos) << all.output;
  EXPECT_NE(all.output.find("transfer:"), std::string::npos) << all.output;
  auto csv = run_cli("results --format csv --db " + db);
  EXPECT_NE(csv.exit_code, 0);
  EXPECT_NE(csv.output.find("--table"), std::string::npos) << csv.output;
}

}  // namespace

namespace {

TEST(RealPath, ResNetArchiveRunsZeroshotAndCoop) {
  REQUIRE_PYTHON_FIXTURE();
  const RealFixture& fx = real_fixture();
  const auto dir = fresh_dir("real_resnet");
  const std::string db = (dir / "runs.db").string();
  const std::string args = " --dataset eurosat --weights " + (fx.root / "weights_rn.pt").string() + " --vocab " +
                           fx.vocab() + " --data-root " + fx.data() + " --db " + db + " --threads 1";
  auto zs = run_cli("run --method zeroshot" + args);
  ASSERT_EQ(zs.exit_code, 0) << zs.output;
  auto coop = run_cli("run --method coop --set train.epochs=2 --set train.views=1" + args);
  ASSERT_EQ(coop.exit_code, 0) << coop.output;
  RunStore store(db);
  const auto runs = store.list_runs();
  ASSERT_EQ(runs.size(), 2u);
  for (const auto& run : runs) {
    EXPECT_EQ(run.status, "finished") << run.error;
    EXPECT_EQ(fs::path(run.model_path).filename(), "weights_rn.pt");
    EXPECT_EQ(store.results(run.id).size(), 2u);
  }
  EXPECT_NE(runs[0].model_checksum, "");
}

// Resuming checks the weights: a run interrupted with one archive is not continued with another
// at the same path (its checkpoint would be applied to a different model).
TEST(RealPath, ResumeRefusesWeightsThatChangedSinceTheRunStarted) {
  REQUIRE_PYTHON_FIXTURE();
  const RealFixture& fx = real_fixture();
  const auto dir = fresh_dir("real_resume_weights");
  const std::string db = (dir / "runs.db").string();
  const fs::path weights = dir / "clip.pt";
  fs::copy_file(fx.weights(), weights);
  auto stopped = run_cli("run --method coop --dataset eurosat --set train.epochs=2 --set train.views=1 --weights " +
                             weights.string() + " --vocab " + fx.vocab() + " --data-root " + fx.data() + " --db " + db +
                             " --threads 1",
                         "PROMPTLAB_STOP_AT=epoch:0");
  ASSERT_NE(stopped.exit_code, 0) << stopped.output;
  std::string recorded;
  {
    RunStore store(db);
    ASSERT_EQ(store.list_runs().size(), 1u);
    ASSERT_EQ(store.list_runs()[0].status, "interrupted") << store.list_runs()[0].error;
    recorded = store.list_runs()[0].model_checksum;
  }
  fs::copy_file(fx.root / "weights_rn.pt", weights, fs::copy_options::overwrite_existing);
  auto resumed = run_cli("run --resume 1 --threads 1 --db " + db);
  EXPECT_NE(resumed.exit_code, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("the weights changed, so the run cannot be resumed"), std::string::npos)
      << resumed.output;
  EXPECT_NE(resumed.output.find(weights.string()), std::string::npos) << resumed.output;
  EXPECT_NE(resumed.output.find(recorded), std::string::npos) << resumed.output;
  RunStore store(db);
  EXPECT_EQ(store.list_runs()[0].status, "interrupted");  // still resumable once the weights are put back
  fs::copy_file(fx.weights(), weights, fs::copy_options::overwrite_existing);
  auto again = run_cli("run --resume 1 --threads 1 --db " + db);
  EXPECT_EQ(again.exit_code, 0) << again.output;
}

}  // namespace

// End to end: `promptlab run` on the embedded default records runs that the store reads back.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <utility>
#include <nlohmann/json.hpp>

#include "cli/cli_test_util.hpp"
#include "store/run_store.hpp"
#include "train/learned_parameters.hpp"
#include "train/model_source.hpp"

using namespace promptlab;
using promptlab::test::fresh_dir;
using promptlab::test::run_cli;
namespace fs = std::filesystem;

namespace {

nlohmann::json config_of(const RunRecord& r) { return nlohmann::json::parse(r.config_json); }

}  // namespace

TEST(RunEndToEnd, CoopRunIsRecordedWithEpochsResultsAndArtifacts) {
  PROMPTLAB_REQUIRE_EMBEDDED_MODEL();
  const auto dir = fresh_dir("e2e_coop");
  const std::string db = (dir / "runs.db").string();
  auto r = run_cli("run --method coop --dataset tiny_shapes --set train.epochs=2 --set train.views=1 --db " + db);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  RunStore store(db);
  auto runs = store.list_runs();
  ASSERT_EQ(runs.size(), 1u);
  const RunRecord& run = runs[0];
  EXPECT_EQ(run.status, "finished");
  EXPECT_EQ(run.method, "coop");
  EXPECT_EQ(run.learner, "coop");
  EXPECT_EQ(run.step_rule, "sgd");
  EXPECT_EQ(run.dataset, "tiny_shapes");
  EXPECT_EQ(run.protocol, "base2new-tiny");
  EXPECT_FALSE(run.model_checksum.empty());
  EXPECT_EQ(store.epochs(run.id).size(), 2u);
  // Sharpness at the learned prompt, beside the final loss (docs/protocol.md §13).
  const auto measures = store.run_metrics(run.id);
  for (const char* name : {"train_loss_final", "sharpness", "sharpness_rho", "hessian_top_eig", "hessian_iterations",
                           "hessian_converged"})
    EXPECT_EQ(measures.count(name), 1u) << name;
  EXPECT_GT(measures.at("train_loss_final"), 0.0);
  EXPECT_GE(measures.at("sharpness"), 0.0);  // a step up the gradient raises the loss
  EXPECT_DOUBLE_EQ(measures.at("sharpness_rho"), 0.05);
  EXPECT_GE(measures.at("hessian_iterations"), 1.0);
  auto results = store.results(run.id);
  ASSERT_EQ(results.size(), 2u);
  for (const auto& res : results) {
    EXPECT_GT(res.n, 0);
    EXPECT_GE(res.accuracy, 0.0);
    EXPECT_LE(res.accuracy, 100.0);
  }
  bool has_prompt = false, has_params = false;
  for (const auto& a : store.artifacts(run.id)) {
    has_prompt |= a.name == "prompt";
    has_params |= a.name == "parameters";
  }
  EXPECT_TRUE(has_prompt);
  EXPECT_TRUE(has_params);
  auto table = run_cli("results --format csv --db " + db);
  EXPECT_EQ(table.exit_code, 0) << table.output;
  EXPECT_NE(table.output.find("tiny_shapes"), std::string::npos) << table.output;
}

TEST(RunEndToEnd, ConfigPrecedenceIsDefaultsThenProtocolThenFileThenSet) {
  PROMPTLAB_REQUIRE_EMBEDDED_MODEL();
  const auto dir = fresh_dir("e2e_precedence");
  const std::string db = (dir / "runs.db").string();
  const std::string cfg = (dir / "mine.toml").string();
  std::ofstream(cfg) << "[optim]\nlr = 0.05\n[train]\nbatch_size = 16\n";
  const std::string common = " --method zeroshot --dataset tiny_shapes --db " + db;
  ASSERT_EQ(run_cli("run" + common).exit_code, 0);
  ASSERT_EQ(run_cli("run --config " + cfg + common).exit_code, 0);
  ASSERT_EQ(run_cli("run --config " + cfg + " --set optim.lr=0.07" + common).exit_code, 0);
  RunStore store(db);
  auto runs = store.list_runs();
  ASSERT_EQ(runs.size(), 3u);
  std::sort(runs.begin(), runs.end(), [](const RunRecord& a, const RunRecord& b) { return a.id < b.id; });
  // Protocol base2new-tiny sets optim.lr = 0.02 over the framework default 0.002.
  EXPECT_DOUBLE_EQ(config_of(runs[0])["optim.lr"].get<double>(), 0.02);
  EXPECT_DOUBLE_EQ(config_of(runs[1])["optim.lr"].get<double>(), 0.05);
  EXPECT_EQ(config_of(runs[1])["train.batch_size"].get<std::int64_t>(), 16);
  EXPECT_DOUBLE_EQ(config_of(runs[2])["optim.lr"].get<double>(), 0.07);
  EXPECT_EQ(config_of(runs[2])["train.batch_size"].get<std::int64_t>(), 16);
}

TEST(RunEndToEnd, GcscoopUsesItsPluginDefaultsUnderTheReferenceProtocolKeys) {
  PROMPTLAB_REQUIRE_EMBEDDED_MODEL();
  const auto dir = fresh_dir("e2e_gcscoop");
  const std::string db = (dir / "runs.db").string();
  auto r = run_cli("run --method gcscoop --dataset tiny_colors --set train.epochs=2 --set train.views=1 --db " + db);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  RunStore store(db);
  auto runs = store.list_runs();
  ASSERT_EQ(runs.size(), 1u);
  auto cfg = config_of(runs[0]);
  EXPECT_DOUBLE_EQ(cfg["gcsam.beta1"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(cfg["gcsam.beta2"].get<double>(), 0.8);
  auto epochs = store.epochs(runs[0].id);
  ASSERT_EQ(epochs.size(), 2u);
  const auto& v = epochs[1].values;
  ASSERT_TRUE(v.count("cos")) << "GCSAM must report the gradient cosine";
  const double branches = v.at("branch_sam") + v.at("branch_proj") + v.at("branch_sgd");
  EXPECT_GT(branches, 0.0);
}

TEST(RunEndToEnd, BenchSkipsRunsAlreadyFinished) {
  PROMPTLAB_REQUIRE_EMBEDDED_MODEL();
  const auto dir = fresh_dir("e2e_bench");
  const std::string db = (dir / "runs.db").string();
  const std::string args = "bench --methods zeroshot --datasets tiny_shapes --seeds 1,2 --db " + db;
  auto first = run_cli(args);
  ASSERT_EQ(first.exit_code, 0) << first.output;
  auto second = run_cli(args);
  ASSERT_EQ(second.exit_code, 0) << second.output;
  EXPECT_NE(second.output.find("2 already finished"), std::string::npos) << second.output;
  RunStore store(db);
  EXPECT_EQ(store.list_runs().size(), 2u);
  EXPECT_NE(second.output.find("zeroshot"), std::string::npos) << second.output;
}

TEST(RunEndToEnd, BenchAppliesItsConfigFileToEveryRun) {
  PROMPTLAB_REQUIRE_EMBEDDED_MODEL();
  const auto dir = fresh_dir("e2e_bench_config");
  const std::string db = (dir / "runs.db").string();
  const std::string cfg = (dir / "mine.toml").string();
  std::ofstream(cfg) << "[train]\nbatch_size = 8\n";
  auto r = run_cli("bench --methods zeroshot --datasets tiny_shapes --seeds 1,2 --config " + cfg + " --db " + db);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  RunStore store(db);
  auto runs = store.list_runs();
  ASSERT_EQ(runs.size(), 2u);
  for (const auto& run : runs) EXPECT_EQ(config_of(run)["train.batch_size"].get<std::int64_t>(), 8);
  const std::string bad = (dir / "bad.toml").string();
  std::ofstream(bad) << "[train]\nbatchsize = 8\n";
  auto e = run_cli("bench --methods zeroshot --datasets tiny_shapes --seeds 3 --config " + bad + " --db " + db);
  EXPECT_NE(e.exit_code, 0);
  EXPECT_NE(e.output.find("train.batchsize"), std::string::npos) << e.output;
  EXPECT_NE(e.output.find(bad), std::string::npos) << e.output;
}

TEST(RunEndToEnd, CropScaleOutOfRangeFailsBeforeTheRunIsRecorded) {
  PROMPTLAB_REQUIRE_EMBEDDED_MODEL();
  const auto dir = fresh_dir("e2e_crop_scale");
  const std::string db = (dir / "runs.db").string();
  auto r = run_cli("run --method coop --dataset tiny_shapes --set data.crop_scale_min=0 --db " + db);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("data.crop_scale_min"), std::string::npos) << r.output;
  RunStore store(db);
  EXPECT_TRUE(store.list_runs().empty());
}

TEST(RunEndToEnd, InterruptMarksTheRunInterrupted) {
  PROMPTLAB_REQUIRE_EMBEDDED_MODEL();
  const auto dir = fresh_dir("e2e_interrupt");
  const std::string db = (dir / "runs.db").string();
  // One SIGINT, as Ctrl-C sends. Without --foreground, timeout signals the child and then its whole
  // process group, and a loaded machine can deliver the two separately: the second is promptlab's
  // "leave now" (exit 130, nothing recorded), which made this test fail now and then.
  const std::string cmd = "timeout --foreground -s INT 20 " + std::string(PROMPTLAB_CLI) +
                          " run --method coop --dataset tiny_shapes --set train.epochs=100000 --set train.views=1 --db " +
                          db + " > " + (dir / "log.txt").string() + " 2>&1";
  std::system(cmd.c_str());
  RunStore store(db);
  auto runs = store.list_runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].status, "interrupted");
}

namespace {

// Two runs of one lever's on and off switch agree: the same accuracies split by split, and the same
// learned tensors within 1e-5 of each one's largest value.
void expect_same_outcome(promptlab::RunStore& a, std::int64_t run_a, promptlab::RunStore& b, std::int64_t run_b) {
  const auto results_a = a.results(run_a), results_b = b.results(run_b);
  ASSERT_EQ(results_a.size(), results_b.size());
  for (std::size_t i = 0; i < results_a.size(); ++i) {
    EXPECT_EQ(results_a[i].split, results_b[i].split);
    EXPECT_EQ(results_a[i].accuracy, results_b[i].accuracy) << results_a[i].split;
  }
  const auto learned = [](promptlab::RunStore& store, std::int64_t run) {
    for (const auto& art : store.artifacts(run))
      if (art.name == "parameters") return promptlab::load_named_tensors(art.data, "run " + std::to_string(run));
    return std::vector<std::pair<std::string, torch::Tensor>>{};
  };
  const auto learned_a = learned(a, run_a), learned_b = learned(b, run_b);
  ASSERT_EQ(learned_a.size(), learned_b.size());
  ASSERT_FALSE(learned_a.empty());
  for (std::size_t i = 0; i < learned_a.size(); ++i) {
    EXPECT_EQ(learned_a[i].first, learned_b[i].first);
    ASSERT_EQ(learned_a[i].second.sizes(), learned_b[i].second.sizes());
    const double diff = (learned_a[i].second - learned_b[i].second).abs().max().item<double>();
    EXPECT_LE(diff, 1e-5 * learned_a[i].second.abs().max().item<double>()) << learned_a[i].first;
  }
}

// The feature cache is a speed lever that must change no result: seed 2 trained with features
// cached by seed 1's run (test images, and training views of the images both samples share)
// equals seed 2 trained with --no-feature-cache, which encodes everything again and writes nothing:
// the same accuracies, and the same learned prompt to float rounding (bit for bit only where a row
// of a matrix product does not depend on the other rows of its batch; docs/speed.md).
TEST(RunEndToEnd, TheFeatureCacheChangesNoResult) {
  PROMPTLAB_REQUIRE_EMBEDDED_MODEL();
  const auto dir = fresh_dir("cache_lever");
  const std::string cached = (dir / "cached.db").string(), uncached = (dir / "uncached.db").string();
  const std::string args = "run --method coop --dataset tiny_shapes --set train.epochs=2 --set train.views=2 --threads 1 ";
  ASSERT_EQ(run_cli(args + "--seed 1 --db " + cached).exit_code, 0);
  auto warm = run_cli(args + "--seed 2 --db " + cached);
  ASSERT_EQ(warm.exit_code, 0) << warm.output;
  auto cold = run_cli(args + "--seed 2 --no-feature-cache --db " + uncached);
  ASSERT_EQ(cold.exit_code, 0) << cold.output;
  EXPECT_FALSE(fs::exists(uncached + ".d/features")) << "--no-feature-cache wrote a cache";

  promptlab::RunStore a(cached), b(uncached);
  const auto runs_a = a.list_runs();
  const auto runs_b = b.list_runs();
  ASSERT_EQ(runs_a.size(), 2u);
  ASSERT_EQ(runs_b.size(), 1u);
  const auto& with_cache = runs_a[0].seed == 2 ? runs_a[0] : runs_a[1];
  ASSERT_EQ(with_cache.seed, 2);
  expect_same_outcome(a, with_cache.id, b, runs_b[0].id);
}

// A lever that is not part of the config: `args` run twice on tiny_shapes (2 epochs), once with
// `with` and once with `without` appended, each into its own store under `dir`. Both record one run
// with the same config hash and the same outcome; returns the run metrics of the two.
std::pair<std::map<std::string, double>, std::map<std::string, double>> expect_lever_changes_no_result(
    const fs::path& dir, const std::string& method, const std::string& with, const std::string& without) {
  const std::string db_with = (dir / (method + "_with.db")).string();
  const std::string db_without = (dir / (method + "_without.db")).string();
  const std::string args = "run --method " + method + " --dataset tiny_shapes --set train.epochs=2 --threads 1 " +
                           "--cache-dir " + (dir / "cache").string() + " ";
  const auto a = run_cli(args + with + " --db " + db_with);
  EXPECT_EQ(a.exit_code, 0) << a.output;
  const auto b = run_cli(args + without + " --db " + db_without);
  EXPECT_EQ(b.exit_code, 0) << b.output;
  promptlab::RunStore sa(db_with), sb(db_without);
  const auto ra = sa.list_runs(), rb = sb.list_runs();
  if (ra.size() != 1u || rb.size() != 1u) {
    ADD_FAILURE() << method << ": " << ra.size() << " and " << rb.size() << " runs recorded";
    return {};
  }
  EXPECT_EQ(ra[0].config_hash, rb[0].config_hash) << method << ": the lever is not part of the config";
  expect_same_outcome(sa, ra[0].id, sb, rb[0].id);
  return {sa.run_metrics(ra[0].id), sb.run_metrics(rb[0].id)};
}

// --text-chunk (recomputation) is a memory lever: the same run with and without it learns the same
// prompt to float rounding, scores the same, and records the same sharpness measures.
TEST(RunEndToEnd, TextRecomputationChangesNoResult) {
  PROMPTLAB_REQUIRE_EMBEDDED_MODEL();
  const auto [ma, mb] = expect_lever_changes_no_result(fresh_dir("text_chunk_lever"), "coop", "--text-chunk 2",
                                                       "--text-chunk 0");
  for (const char* name : {"train_loss_final", "sharpness", "hessian_top_eig"}) {
    ASSERT_EQ(ma.count(name), 1u) << name;
    ASSERT_EQ(mb.count(name), 1u) << name;
    EXPECT_NEAR(mb.at(name), ma.at(name), 1e-3 * std::abs(ma.at(name))) << name;
  }
}

// The shared prefix is a speed lever: CoOp and CoCoOp encode [SOS, context] once per context
// instead of once per class; with --no-shared-prefix every prompt is encoded whole. The two runs
// learn the same prompt to float rounding and score the same.
TEST(RunEndToEnd, SharedPrefixChangesNoResult) {
  PROMPTLAB_REQUIRE_EMBEDDED_MODEL();
  const auto dir = fresh_dir("shared_prefix_lever");
  for (const char* method : {"coop", "cocoop"}) expect_lever_changes_no_result(dir, method, "", "--no-shared-prefix");
}

}  // namespace

// The store under faults and load: a store that fails after training keeps the learned prompt,
// a read-only store says so, eight concurrent writers lose nothing.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cli/cli_test_util.hpp"
#include "store/run_store.hpp"
#include "train/learned_parameters.hpp"

using namespace promptlab;
using promptlab::test::fresh_dir;
using promptlab::test::run_cli;
namespace fs = std::filesystem;

namespace {

TEST(StoreFaults, StoreFailingAfterTrainingKeepsTheLearnedPromptBesideIt) {
  PROMPTLAB_REQUIRE_EMBEDDED_MODEL();
  const auto dir = fresh_dir("store_fault");
  const std::string db = (dir / "runs.db").string();
  auto r = run_cli("run --method coop --dataset tiny_shapes --set train.epochs=2 --set train.views=1 --db " + db,
                   "PROMPTLAB_FAULT=store-after-training");
  EXPECT_NE(r.exit_code, 0);
  const std::string rescued = db + ".d/rescued/run_1.pt";
  EXPECT_NE(r.output.find("the learned prompt is saved in " + rescued), std::string::npos) << r.output;
  ASSERT_TRUE(fs::exists(rescued));
  std::ifstream in(rescued, std::ios::binary);
  const std::vector<std::uint8_t> blob((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto tensors = load_named_tensors(blob, rescued);
  ASSERT_EQ(tensors.size(), 1u);
  EXPECT_EQ(tensors[0].first, "ctx");
  RunStore store(db);
  EXPECT_EQ(store.get_run(1)->status, "failed");
  EXPECT_NE(store.get_run(1)->error.find(rescued), std::string::npos);
}

TEST(StoreFaults, ReadOnlyStoreIsNamedWithoutTheSqlText) {
  PROMPTLAB_REQUIRE_EMBEDDED_MODEL();
  const auto dir = fresh_dir("store_readonly");
  const std::string db = (dir / "runs.db").string();
  ASSERT_EQ(run_cli("run --method zeroshot --dataset tiny_shapes --db " + db).exit_code, 0);
  // Root ignores file permissions, so open the file read-only the way SQLite allows.
  auto r = run_cli("run --method zeroshot --dataset tiny_shapes --db 'file:" + db + "?mode=ro'");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("read-only"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("VALUES"), std::string::npos) << "the message must not dump SQL:\n" << r.output;
  RunStore store(db);
  EXPECT_EQ(store.list_runs().size(), 1u);
}

TEST(StoreFaults, EightConcurrentRunsLoseNothingAndNeverReportALockedDatabase) {
  PROMPTLAB_REQUIRE_EMBEDDED_MODEL();
  const auto dir = fresh_dir("store_concurrent");
  const std::string db = (dir / "runs.db").string();
  constexpr int kWriters = 8;
  std::vector<std::thread> threads;
  std::vector<test::CommandResult> results(kWriters);
  for (int i = 0; i < kWriters; ++i) {
    threads.emplace_back([&, i] {
      // The same few-shot split, feature cache entries and store for all eight.
      results[static_cast<std::size_t>(i)] =
          run_cli("run --method coop --dataset tiny_shapes --seed " + std::to_string(1 + i % 2) +
                  " --set train.epochs=1 --set train.views=1 --set optim.lr=0.0" + std::to_string(1 + i) +
                  " --threads 1 --db " + db);
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& r : results) {
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(r.output.find("locked"), std::string::npos) << r.output;
  }
  RunStore store(db);
  const auto runs = store.list_runs();
  ASSERT_EQ(runs.size(), static_cast<std::size_t>(kWriters));
  for (const auto& run : runs) {
    EXPECT_EQ(run.status, "finished") << run.error;
    EXPECT_EQ(store.results(run.id).size(), 2u);
    EXPECT_EQ(store.epochs(run.id).size(), 1u);
  }
}

}  // namespace

namespace {

TEST(StoreFaults, PluginFailingMidRunIsRecordedFailedAndTheStoreGoesOn) {
  PROMPTLAB_REQUIRE_EMBEDDED_MODEL();
  const auto dir = fresh_dir("plugin_throws");
  const std::string db = (dir / "runs.db").string();
  // The fixture's learner has no trainable tensor, so its first backward pass throws inside LibTorch.
  const std::string plugins = std::string(PROMPTLAB_TEST_FIXTURE_DIR) + "/good";
  auto r = run_cli("run --method alpha --dataset tiny_shapes --set train.epochs=1 --plugin-path " + plugins +
                   " --db " + db);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("in alpha_learner / alpha_rule: element 0 of tensors does not require grad"),
            std::string::npos)
      << r.output;
  EXPECT_EQ(r.output.find("Exception raised from"), std::string::npos) << "no LibTorch backtrace:\n" << r.output;
  auto next = run_cli("run --method zeroshot --dataset tiny_shapes --plugin-path " + plugins + " --db " + db);
  EXPECT_EQ(next.exit_code, 0) << next.output;
  RunStore store(db);
  ASSERT_EQ(store.list_runs().size(), 2u);
  EXPECT_EQ(store.get_run(1)->status, "failed");
  EXPECT_EQ(store.get_run(2)->status, "finished");
}

}  // namespace

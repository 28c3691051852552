// One result row per evaluation target: the target_results view, and the few-shot and transfer
// tables rendered from it, against hand-computed numbers.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <nlohmann/json.hpp>

#include "store/results_format.hpp"
#include "store/run_store.hpp"
#include "store_test_util.hpp"

namespace promptlab {
namespace {

using testing::sample_record;
using testing::TempDir;

// A finished run at `shots` with accuracy `acc` on its own dataset and each (target, accuracy).
std::int64_t add_target_run(RunStore& store, const std::string& method, const std::string& dataset, std::int64_t shots,
                     std::int64_t seed, double acc, const std::vector<std::pair<std::string, double>>& targets = {},
                     const std::string& hash = "P") {
  RunRecord rec = sample_record(method, dataset, seed, hash);
  rec.shots = shots;
  rec.protocol = "proto";
  const std::int64_t id = store.begin_run(rec);
  store.record_result(id, {"all", 100, static_cast<std::int64_t>(acc), acc});
  for (const auto& [target, a] : targets) store.record_result(id, {"all", 50, static_cast<std::int64_t>(a / 2), a, target});
  store.finish_run(id, "finished");
  return id;
}

const TargetRow* find_target(const std::vector<TargetRow>& rows, const std::string& method, const std::string& target,
                      std::int64_t shots) {
  for (const auto& r : rows)
    if (r.method == method && r.target == target && r.shots == shots) return &r;
  return nullptr;
}

TEST(TargetResults, ResultsNameTheirDatasetAndTargetsFollowTheRunsOwn) {
  TempDir dir;
  RunStore store(dir.file("t.db"));
  const std::int64_t id = add_target_run(store, "coop", "imagenet", 16, 1, 70, {{"dtd", 40}, {"caltech101", 90}});
  const auto results = store.results(id);
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0].dataset, "imagenet");
  EXPECT_EQ(results[1].dataset, "dtd");  // in the order recorded
  EXPECT_EQ(results[2].dataset, "caltech101");
  EXPECT_EQ(store.get_run(id)->shots, 16);
}

TEST(TargetResults, MeanAndStdOverSeedsPerShotsAndTarget) {
  TempDir dir;
  RunStore store(dir.file("t.db"));
  add_target_run(store, "coop", "dtd", 1, 1, 10);  // superseded by the newer seed-1 run below
  add_target_run(store, "coop", "dtd", 1, 1, 40);
  add_target_run(store, "coop", "dtd", 1, 2, 44);
  add_target_run(store, "coop", "dtd", 4, 1, 60);
  add_target_run(store, "coop", "imagenet", 16, 1, 70, {{"dtd", 40}, {"eurosat", 30}});
  add_target_run(store, "coop", "imagenet", 16, 2, 72, {{"dtd", 42}, {"eurosat", 34}});
  const auto rows = store.target_results();
  const TargetRow* one = find_target(rows, "coop", "dtd", 1);
  ASSERT_NE(one, nullptr);
  EXPECT_EQ(one->n_seeds, 2);
  EXPECT_DOUBLE_EQ(one->mean, 42.0);
  EXPECT_NEAR(one->std, std::sqrt(8.0), 1e-12);
  EXPECT_DOUBLE_EQ(find_target(rows, "coop", "dtd", 4)->mean, 60.0);
  const TargetRow* transfer = find_target(rows, "coop", "eurosat", 16);
  ASSERT_NE(transfer, nullptr);
  EXPECT_EQ(transfer->dataset, "imagenet");
  EXPECT_DOUBLE_EQ(transfer->mean, 32.0);
  EXPECT_EQ(find_target(rows, "coop", "dtd", 16)->dataset, "imagenet");
}

class TargetTables : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::make_unique<RunStore>(dir_.file("t.db"));
    add_target_run(*store_, "coop", "dtd", 1, 1, 40);
    add_target_run(*store_, "coop", "dtd", 1, 2, 44);
    add_target_run(*store_, "coop", "dtd", 4, 1, 60);
    add_target_run(*store_, "coop", "eurosat", 1, 1, 50);
    add_target_run(*store_, "coop", "imagenet", 16, 1, 70, {{"dtd", 40}, {"eurosat", 30}}, "X");
    add_target_run(*store_, "coop", "imagenet", 16, 2, 72, {{"dtd", 42}, {"eurosat", 34}}, "X");
  }
  TempDir dir_;
  std::unique_ptr<RunStore> store_;
};

TEST_F(TargetTables, FewShotTableHasAColumnPerShotCountAndAnAverageRow) {
  const std::string out = format_fewshot(store_->target_results(), ResultFormat::Text);
  EXPECT_NE(out.find("1 shot "), std::string::npos) << out;
  EXPECT_NE(out.find("4 shots"), std::string::npos) << out;
  EXPECT_NE(out.find("42.00 \xC2\xB1 2.83"), std::string::npos) << out;  // dtd, 1 shot, seeds 1-2
  EXPECT_NE(out.find("46.00 (2)"), std::string::npos) << out;             // average of dtd and eurosat at 1 shot
  EXPECT_EQ(out.find("imagenet"), std::string::npos) << "transfer runs belong to the transfer table:\n" << out;
  const std::string csv = format_fewshot(store_->target_results(), ResultFormat::Csv);
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 4) << csv;  // header + 3 rows
  const auto json = nlohmann::json::parse(format_fewshot(store_->target_results(), ResultFormat::Json));
  EXPECT_EQ(json.size(), 3u);
}

TEST_F(TargetTables, TransferTableHasSourceEachTargetAndTheTargetAverage) {
  const std::string out = format_transfer(store_->target_results(), ResultFormat::Text);
  for (const char* needle : {"source acc", "dtd", "eurosat", "target average", "71.00 \xC2\xB1 1.41", "36.50"}) {
    EXPECT_NE(out.find(needle), std::string::npos) << needle << " in:\n" << out;
  }
  const std::string md = format_transfer(store_->target_results(), ResultFormat::Markdown);
  EXPECT_NE(md.find("| coop | imagenet | 2 |"), std::string::npos) << md;
  EXPECT_EQ(nlohmann::json::parse(format_transfer(store_->target_results(), ResultFormat::Json)).size(), 3u);
}

TEST_F(TargetTables, TablesPresentAndTheirNames) {
  EXPECT_EQ(tables_present(*store_, {}), (std::vector<ResultTable>{ResultTable::kFewShot, ResultTable::kTransfer}));
  ResultFilter only_transfer;
  only_transfer.protocol_hash = "X";
  EXPECT_EQ(tables_present(*store_, only_transfer), (std::vector<ResultTable>{ResultTable::kTransfer}));
  for (auto t : {ResultTable::kBase2New, ResultTable::kFewShot, ResultTable::kTransfer}) {
    EXPECT_EQ(parse_result_table(to_string(t)), t);
  }
  EXPECT_THROW(parse_result_table("fewshot"), std::invalid_argument);
}

}  // namespace
}  // namespace promptlab

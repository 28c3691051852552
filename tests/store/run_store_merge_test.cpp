// RunStore::merge_from: runs of another store copied in once each, matched by uid.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <set>

#include "store/run_store.hpp"
#include "store_test_util.hpp"

namespace promptlab {
namespace {

using testing::sample_record;
using testing::TempDir;

// A finished run with two epochs, base/new results and one artifact.
std::int64_t finished_run(RunStore& store, const std::string& method, std::int64_t seed, double base) {
  const std::int64_t id = store.begin_run(sample_record(method, "shapes", seed));
  store.log_epoch(id, {1, {{"loss", 1.5}, {"acc", 40.0}}});
  store.log_epoch(id, {2, {{"loss", 0.5}, {"acc", std::nan("")}}});
  store.record_result(id, {"base", 100, static_cast<std::int64_t>(base), base, ""});
  store.record_result(id, {"new", 100, 50, 50.0, ""});
  store.add_artifact(id, {"prompt", "text", {'a', 'b'}});
  store.log_run_metrics(id, {{"sharpness", 0.25}, {"hessian_top_eig", base / 10}});
  store.save_landscape({id, "base", "1d 2"}, {{0, 0, -1.0, 0.0, base / 20, 60.0}, {1, 0, 1.0, 0.0, 2.0, 55.0}});
  store.finish_run(id, "finished");
  return id;
}

TEST(RunStoreMerge, EveryRunGetsADistinctUid) {
  TempDir dir;
  RunStore a(dir.file("a.db")), b(dir.file("b.db"));
  std::set<std::string> uids;
  for (int i = 0; i < 3; ++i) {
    uids.insert(a.get_run(a.begin_run(sample_record()))->uid);
    uids.insert(b.get_run(b.begin_run(sample_record()))->uid);
  }
  EXPECT_EQ(uids.size(), 6u);
  for (const auto& u : uids) EXPECT_EQ(u.size(), 32u) << u;
}

TEST(RunStoreMerge, CopiesRunsWithEpochsResultsAndArtifactsOnce) {
  TempDir dir;
  RunStore main(dir.file("main.db")), shard(dir.file("shard.db"));
  finished_run(main, "coop", 1, 70.0);  // already in main: ids in the shard collide with it
  const std::int64_t s1 = finished_run(shard, "gcscoop", 1, 80.0);
  const std::int64_t s2 = finished_run(shard, "gcscoop", 2, 82.0);

  const MergeReport first = main.merge_from(dir.file("shard.db"));
  EXPECT_EQ(first.added, 2);
  EXPECT_EQ(first.updated, 0);
  EXPECT_EQ(first.unchanged, 0);
  EXPECT_TRUE(first.running.empty());
  ASSERT_EQ(main.list_runs().size(), 3u);

  for (const std::int64_t sid : {s1, s2}) {
    const RunRecord src = *shard.get_run(sid);
    RunRecord copy;
    for (const auto& r : main.list_runs())
      if (r.uid == src.uid) copy = r;
    ASSERT_NE(copy.id, 0) << "run " << sid << " not merged";
    EXPECT_EQ(copy.seed, src.seed);
    EXPECT_EQ(copy.config_json, src.config_json);
    EXPECT_EQ(copy.finished_at, src.finished_at);
    EXPECT_EQ(copy.status, "finished");
    const auto epochs = main.epochs(copy.id);
    ASSERT_EQ(epochs.size(), 2u);
    EXPECT_DOUBLE_EQ(epochs[0].values.at("loss"), 1.5);
    EXPECT_TRUE(std::isnan(epochs[1].values.at("acc")));
    const auto results = main.results(copy.id);
    ASSERT_EQ(results.size(), 2u);
    EXPECT_DOUBLE_EQ(results[0].accuracy, src.seed == 1 ? 80.0 : 82.0);
    EXPECT_EQ(main.run_metrics(copy.id), shard.run_metrics(sid));
    EXPECT_EQ(main.run_metrics(copy.id).size(), 2u);
    const auto landscape = main.landscape({copy.id, "base", "1d 2"});
    ASSERT_EQ(landscape.size(), 2u);
    EXPECT_DOUBLE_EQ(landscape[0].loss, shard.landscape({sid, "base", "1d 2"})[0].loss);
    const auto artifacts = main.artifacts(copy.id);
    ASSERT_EQ(artifacts.size(), 1u);
    EXPECT_EQ(artifacts[0].data, (std::vector<std::uint8_t>{'a', 'b'}));
  }
  const auto table = main.results_table({{"gcscoop"}, {}, ""});
  ASSERT_EQ(table.size(), 1u);
  EXPECT_EQ(table[0].n_seeds, 2);
  EXPECT_DOUBLE_EQ(table[0].base_mean, 81.0);

  const MergeReport again = main.merge_from(dir.file("shard.db"));
  EXPECT_EQ(again.added, 0);
  EXPECT_EQ(again.updated, 0);
  EXPECT_EQ(again.unchanged, 2);
  EXPECT_EQ(main.list_runs().size(), 3u);
}

TEST(RunStoreMerge, LeavesRunningRunsOutAndTakesThemOnceEnded) {
  TempDir dir;
  RunStore main(dir.file("main.db")), shard(dir.file("shard.db"));
  const std::int64_t id = shard.begin_run(sample_record());
  shard.log_epoch(id, {1, {{"loss", 2.0}}});
  MergeReport r = main.merge_from(dir.file("shard.db"));
  EXPECT_EQ(r.added, 0);
  EXPECT_EQ(r.running, std::vector<std::int64_t>{id});
  EXPECT_TRUE(main.list_runs().empty());

  shard.finish_run(id, "interrupted", "stopped");
  r = main.merge_from(dir.file("shard.db"));
  EXPECT_EQ(r.added, 1);
  ASSERT_EQ(main.list_runs().size(), 1u);
  const std::int64_t here = main.list_runs()[0].id;
  EXPECT_EQ(main.get_run(here)->status, "interrupted");
  EXPECT_EQ(main.epochs(here).size(), 1u);

  // Resumed there and finished: the copy here is replaced, not duplicated.
  shard.resume_run(id, "testhost");
  shard.log_epoch(id, {2, {{"loss", 1.0}}});
  shard.record_result(id, {"base", 10, 9, 90.0, ""});
  shard.finish_run(id, "finished");
  r = main.merge_from(dir.file("shard.db"));
  EXPECT_EQ(r.added, 0);
  EXPECT_EQ(r.updated, 1);
  ASSERT_EQ(main.list_runs().size(), 1u);
  EXPECT_EQ(main.list_runs()[0].id, here);
  EXPECT_EQ(main.get_run(here)->status, "finished");
  EXPECT_EQ(main.get_run(here)->error, "");
  EXPECT_EQ(main.epochs(here).size(), 2u);
  ASSERT_EQ(main.results(here).size(), 1u);
  EXPECT_DOUBLE_EQ(main.results(here)[0].accuracy, 90.0);
}

TEST(RunStoreMerge, RefusesMissingFilesItselfAndNonStoresNamingThem) {
  TempDir dir;
  RunStore main(dir.file("main.db"));
  const int before = static_cast<int>(main.list_runs().size());
  try {
    main.merge_from(dir.file("absent.db"));
    FAIL() << "merged a missing file";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("absent.db"), std::string::npos) << e.what();
  }
  EXPECT_THROW(main.merge_from(dir.file("main.db")), StoreError);
  {
    std::ofstream junk(dir.file("junk.db"));
    junk << "not sqlite at all, just text that is long enough to be read as a header....";
  }
  try {
    main.merge_from(dir.file("junk.db"));
    FAIL() << "merged a text file";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("junk.db"), std::string::npos) << e.what();
  }
  EXPECT_EQ(static_cast<int>(main.list_runs().size()), before);
}

}  // namespace
}  // namespace promptlab

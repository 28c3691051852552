// The figures of `promptlab plot`, from a store filled by hand.
#include <gtest/gtest.h>

#include <cmath>

#include "analysis/run_figures.hpp"
#include "store/store_test_util.hpp"

namespace promptlab {
namespace {

using testing::sample_record;
using testing::TempDir;

std::int64_t finished_run(RunStore& store, const std::string& method, std::int64_t seed, double base, double neu) {
  const std::int64_t id = store.begin_run(sample_record(method, "shapes", seed));
  store.record_result(id, {"base", 100, static_cast<std::int64_t>(base), base});
  store.record_result(id, {"new", 100, static_cast<std::int64_t>(neu), neu});
  store.finish_run(id, "finished");
  return id;
}

const Series& series_named(const Figure& f, const std::string& label) {
  for (const auto& s : f.series)
    if (s.label == label) return s;
  throw std::runtime_error("no series " + label);
}

TEST(RunFigures, EpochCurvesAndBranchShares) {
  TempDir dir;
  RunStore store(dir.file("p.db"));
  const std::int64_t id = store.begin_run(sample_record("gcscoop", "shapes", 2));
  store.log_epoch(id, {0, {{"loss", 2.0}, {"branch_sgd", 3}, {"branch_proj", 1}, {"branch_sam", 0}}});
  store.log_epoch(id, {1, {{"loss", 1.0}, {"branch_sgd", 1}, {"branch_proj", 1}, {"branch_sam", 2}}});
  const Figure loss = epoch_figure(store, {id}, "loss");
  ASSERT_EQ(loss.series.size(), 1u);
  EXPECT_EQ(loss.series[0].label, "run 1 (gcscoop, shapes, seed 2)");
  EXPECT_EQ(loss.series[0].x, (std::vector<double>{0, 1}));
  EXPECT_EQ(loss.series[0].y, (std::vector<double>{2.0, 1.0}));
  const Figure shares = epoch_figure(store, {id}, kBranchShare);
  ASSERT_EQ(shares.series.size(), 3u);
  EXPECT_TRUE(shares.y_from_zero_to_one);
  EXPECT_EQ(series_named(shares, "run 1 (gcscoop, shapes, seed 2): sgd").y, (std::vector<double>{0.75, 0.25}));
  EXPECT_EQ(series_named(shares, "run 1 (gcscoop, shapes, seed 2): proj").y, (std::vector<double>{0.25, 0.25}));
  EXPECT_EQ(series_named(shares, "run 1 (gcscoop, shapes, seed 2): sam").y, (std::vector<double>{0.0, 0.5}));
  // A metric the run never recorded, and a run that does not exist, are refused by name.
  try {
    epoch_figure(store, {id}, "cos");
    ADD_FAILURE() << "no error for a missing metric";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("'cos'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("branch_proj, branch_sam, branch_sgd, loss"), std::string::npos) << e.what();
  }
  EXPECT_THROW(epoch_figure(store, {id + 1}, "loss"), std::invalid_argument);
  EXPECT_THROW(epoch_figure(store, {}, "loss"), std::invalid_argument);
  const std::int64_t sgd_only = store.begin_run(sample_record("coop", "shapes", 1));
  store.log_epoch(sgd_only, {0, {{"loss", 1.0}}});
  EXPECT_THROW(epoch_figure(store, {sgd_only}, kBranchShare), std::invalid_argument);
}

TEST(RunFigures, BranchSharesPooledOverRuns) {
  TempDir dir;
  RunStore store(dir.file("p.db"));
  for (const double sam_steps : {1.0, 3.0}) {
    const std::int64_t id = store.begin_run(sample_record("gcscoop", "shapes", static_cast<std::int64_t>(sam_steps)));
    store.log_epoch(id, {0, {{"branch_sgd", 4 - sam_steps}, {"branch_sam", sam_steps}}});
    store.log_epoch(id, {1, {{"branch_sgd", 0}, {"branch_sam", 4}}});
    store.finish_run(id, "finished");
  }
  const std::int64_t coop = store.begin_run(sample_record("coop", "shapes", 1));  // no branches: not pooled
  store.log_epoch(coop, {0, {{"loss", 1.0}}});
  store.finish_run(coop, "finished");
  const Figure f = pooled_branch_figure(store, {});
  EXPECT_EQ(f.title, "GCSAM branch share per epoch, pooled over 2 runs");
  ASSERT_EQ(f.series.size(), 2u);
  EXPECT_EQ(series_named(f, "sam").y, (std::vector<double>{0.5, 1.0}));  // (1 + 3) / 8, then 8 / 8
  EXPECT_EQ(series_named(f, "sgd").y, (std::vector<double>{0.5, 0.0}));
  EXPECT_TRUE(pooled_branch_figure(store, {{"coop"}, {}, ""}).series.empty());
}

TEST(RunFigures, BaseNewAndSharpnessCountTheNewestFinishedRunPerSeed) {
  TempDir dir;
  RunStore store(dir.file("p.db"));
  finished_run(store, "coop", 1, 10, 10);  // superseded by the next
  const std::int64_t coop1 = finished_run(store, "coop", 1, 80, 60);
  const std::int64_t coop2 = finished_run(store, "coop", 2, 82, 62);
  const std::int64_t gcs1 = finished_run(store, "gcscoop", 1, 81, 66);
  const std::int64_t failed = store.begin_run(sample_record("gcscoop", "shapes", 2));
  store.finish_run(failed, "failed");
  store.log_run_metrics(coop1, {{"sharpness", 0.5}});
  store.log_run_metrics(gcs1, {{"sharpness", 0.125}});
  (void)coop2;  // not measured: no point in the sharpness figure

  const auto counted = counted_runs(store, {});
  ASSERT_EQ(counted.size(), 3u);
  EXPECT_EQ(counted[0].id, coop1);

  const Figure bn = base_new_figure(store, {});
  EXPECT_EQ(bn.style, FigureStyle::kPoints);
  ASSERT_EQ(bn.series.size(), 2u);
  EXPECT_EQ(series_named(bn, "coop").x, (std::vector<double>{80, 82}));
  EXPECT_EQ(series_named(bn, "coop").y, (std::vector<double>{60, 62}));
  EXPECT_EQ(series_named(bn, "gcscoop").y, (std::vector<double>{66}));
  EXPECT_EQ(base_new_figure(store, {{"gcscoop"}, {}, ""}).series.size(), 1u);

  const Figure sharp = sharpness_figure(store, {});
  ASSERT_EQ(sharp.series.size(), 2u);
  EXPECT_EQ(series_named(sharp, "coop").x, (std::vector<double>{0.5}));
  EXPECT_EQ(series_named(sharp, "coop").y, (std::vector<double>{60}));
  EXPECT_EQ(series_named(sharp, "gcscoop").x, (std::vector<double>{0.125}));
  EXPECT_TRUE(sharpness_figure(store, {{"nobody"}, {}, ""}).series.empty());
}

TEST(RunFigures, EpochMetricsPooledPerMethod) {
  TempDir dir;
  RunStore store(dir.file("p.db"));
  for (const double loss : {1.0, 3.0}) {
    const std::int64_t id = store.begin_run(sample_record("sam", "shapes", static_cast<std::int64_t>(loss)));
    store.log_epoch(id, {0, {{"loss", loss}, {"cos", 0.5}}});
    store.log_epoch(id, {1, {{"loss", loss / 2}}});
    store.finish_run(id, "finished");
  }
  const std::int64_t coop = store.begin_run(sample_record("coop", "shapes", 1));
  store.log_epoch(coop, {0, {{"loss", 4.0}}});
  store.finish_run(coop, "finished");
  const std::int64_t running = store.begin_run(sample_record("coop", "shapes", 2));  // not finished: left out
  store.log_epoch(running, {0, {{"loss", 100.0}}});
  const Figure loss = pooled_epoch_figure(store, {}, "loss");
  ASSERT_EQ(loss.series.size(), 2u);
  EXPECT_EQ(series_named(loss, "sam (2 runs)").y, (std::vector<double>{2.0, 1.0}));
  EXPECT_EQ(series_named(loss, "coop (1 run)").y, (std::vector<double>{4.0}));
  const Figure cos = pooled_epoch_figure(store, {}, "cos");
  ASSERT_EQ(cos.series.size(), 1u);  // coop has no cos
  EXPECT_EQ(cos.series[0].x, (std::vector<double>{0}));
}

TEST(RunFigures, LandscapesAsCurvesAndMaps) {
  RunRecord run = sample_record("sam", "shapes", 3);
  run.id = 9;
  EXPECT_EQ(run_caption(run), "run 9 (sam, shapes, seed 3)");
  const std::vector<LandscapePoint> line{{0, 0, -1, 0, 2.0, 10}, {1, 0, 0, 0, 1.0, 20}};
  const Series curve = landscape_curve(run, line);
  EXPECT_EQ(curve.label, "run 9 (sam, shapes, seed 3)");
  EXPECT_EQ(curve.x, (std::vector<double>{-1, 0}));
  EXPECT_EQ(curve.y, (std::vector<double>{2.0, 1.0}));
  const std::vector<LandscapePoint> grid{{0, 0, -1, -1, 4, 0}, {0, 1, -1, 1, 3, 0}, {1, 0, 1, -1, 2, 0}, {1, 1, 1, 1, 1, 0}};
  const Figure map = landscape_map(run, {9, "train", "2d 2x2"}, grid);
  EXPECT_EQ(map.style, FigureStyle::kHeatmap);
  EXPECT_EQ(map.title, "loss around run 9 (sam, shapes, seed 3) (train split, 2d 2x2)");
  ASSERT_EQ(map.series.size(), 1u);
  EXPECT_EQ(map.series[0].y, (std::vector<double>{-1, 1, -1, 1}));
  EXPECT_EQ(map.series[0].z, (std::vector<double>{4, 3, 2, 1}));
}

TEST(RunFigures, ShotsCurvesPerMethodAndDataset) {
  TempDir dir;
  RunStore store(dir.file("p.db"));
  for (const std::int64_t shots : {4, 1, 2}) {
    RunRecord r = sample_record("coop", "shapes", 1);
    r.shots = shots;
    const std::int64_t id = store.begin_run(r);
    const double acc = 40.0 + 10.0 * static_cast<double>(shots);
    store.record_result(id, {"all", 100, static_cast<std::int64_t>(acc), acc});
    store.finish_run(id, "finished");
  }
  const Figure f = shots_figure(store, {});
  ASSERT_EQ(f.series.size(), 1u) << (f.series.empty() ? "" : f.series[0].label);
  EXPECT_EQ(f.series[0].label, "coop on shapes");
  EXPECT_EQ(f.series[0].x, (std::vector<double>{1, 2, 4}));
  EXPECT_EQ(f.series[0].y, (std::vector<double>{50, 60, 80}));
}

}  // namespace
}  // namespace promptlab

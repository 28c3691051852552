// End to end: `promptlab plot` draws the store's figures after real runs on the embedded default.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "cli/cli_test_util.hpp"
#include "store/run_store.hpp"

using namespace promptlab;
using promptlab::test::fresh_dir;
using promptlab::test::run_cli;
namespace fs = std::filesystem;

namespace {

std::string head_of(const fs::path& p, std::size_t n) {
  std::ifstream in(p, std::ios::binary);
  std::string s(n, '\0');
  in.read(s.data(), static_cast<std::streamsize>(n));
  s.resize(static_cast<std::size_t>(in.gcount()));
  return s;
}

}  // namespace

TEST(PlotEndToEnd, EpochsBranchesBaseNewAndSharpnessFromRealRuns) {
  PROMPTLAB_REQUIRE_EMBEDDED_MODEL();
  const fs::path dir = fresh_dir("e2e_plot");
  const std::string db = " --db " + (dir / "runs.db").string();
  auto bench = run_cli("bench --methods coop,gcscoop --datasets tiny_shapes --seeds 1 --set train.epochs=3 "
                       "--set train.views=1 --threads 1 --jobs 1" + db);
  ASSERT_EQ(bench.exit_code, 0) << bench.output;
  const std::string png_magic("\x89PNG\r\n\x1a\n", 8);
  // Run 2 is gcscoop: its loss and its branch shares.
  for (const std::string metric : {"loss", "branch"}) {
    const fs::path out = dir / (metric + ".png");
    auto r = run_cli("plot epochs 1 2 --metric " + metric + " --out " + out.string() + db);
    if (metric == "branch") {  // run 1 is coop, whose step has no branches: refused by name
      EXPECT_NE(r.exit_code, 0);
      EXPECT_NE(r.output.find("run 1 (coop) has no epoch metric branch_*"), std::string::npos) << r.output;
      r = run_cli("plot epochs 2 --metric branch --out " + out.string() + db);
    }
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(head_of(out, 8), png_magic) << metric;
    EXPECT_TRUE(fs::exists(out.string() + ".gp"));
  }
  for (const std::string kind : {"base-new", "sharpness"}) {
    const fs::path out = dir / (kind + ".svg");
    auto r = run_cli("plot " + kind + " --out " + out.string() + db);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    std::ifstream in(out);
    const std::string svg((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_NE(svg.find("<svg"), std::string::npos);
    EXPECT_NE(svg.find("gcscoop"), std::string::npos) << kind;  // its key entry
  }
  // --method narrows the runs drawn.
  const fs::path coop_only = dir / "coop-only.svg";
  auto narrowed = run_cli("plot base-new --method coop --out " + coop_only.string() + db);
  ASSERT_EQ(narrowed.exit_code, 0) << narrowed.output;
  std::ifstream coop_in(coop_only);
  const std::string coop_svg((std::istreambuf_iterator<char>(coop_in)), std::istreambuf_iterator<char>());
  EXPECT_NE(coop_svg.find("coop"), std::string::npos);
  EXPECT_EQ(coop_svg.find("gcscoop"), std::string::npos);
  auto bad = run_cli("plot base-new --out " + (dir / "f.pdf").string() + db);
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.output.find("f.pdf"), std::string::npos) << bad.output;
  auto missing = run_cli("plot epochs 99" + db);
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.output.find("no run with id 99"), std::string::npos) << missing.output;
}

// `landscape` rebuilds each run from the store: at the learned parameters (the grid's centre) it
// must see exactly the accuracy the run recorded; the curves are stored, drawn, and reused.
TEST(PlotEndToEnd, LandscapeRebuildsTheRunsAndStoresTheirCurves) {
  PROMPTLAB_REQUIRE_EMBEDDED_MODEL();
  const fs::path dir = fresh_dir("e2e_landscape");
  const std::string db_path = (dir / "runs.db").string();
  const std::string db = " --db " + db_path;
  auto bench = run_cli("bench --methods coop,gcscoop --datasets tiny_colors --seeds 1 --set train.epochs=2 "
                       "--set train.views=1 --threads 1 --jobs 1" + db);
  ASSERT_EQ(bench.exit_code, 0) << bench.output;
  const fs::path out = dir / "land.png";
  auto r = run_cli("landscape 1 2 --split new --points 5 --range 0.5 --out " + out.string() + db);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(head_of(out, 4), std::string("\x89PNG", 4));
  RunStore store(db_path);
  for (const std::int64_t id : {1, 2}) {
    const auto points = store.landscape({id, "new", "1d 5 range 0.5 filter seed 0"});
    ASSERT_EQ(points.size(), 5u) << "run " << id;
    double recorded_new = -1;
    for (const auto& res : store.results(id))
      if (res.split == "new") recorded_new = res.accuracy;
    EXPECT_DOUBLE_EQ(points[2].alpha, 0.0);
    EXPECT_NEAR(points[2].accuracy, recorded_new, 1e-9) << "run " << id;
    EXPECT_GT(points[0].loss, 0.0);
  }
  // The same landscape again comes from the store; a 2-D one draws one map per run.
  auto again = run_cli("landscape 1 --split new --points 5 --range 0.5 --no-plot" + db);
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find("in the store already"), std::string::npos) << again.output;
  auto grid = run_cli("landscape 2 --split train --dims 2 --points 3 --out " + (dir / "map.svg").string() + db);
  ASSERT_EQ(grid.exit_code, 0) << grid.output;
  EXPECT_TRUE(fs::exists(dir / "map-run2.svg")) << grid.output;
  EXPECT_EQ(store.landscape({2, "train", "2d 3x3 range 1 filter seed 0"}).size(), 9u);
  auto wrong = run_cli("landscape 1 --split all" + db);
  EXPECT_NE(wrong.exit_code, 0);
  EXPECT_NE(wrong.output.find("base-to-new"), std::string::npos) << wrong.output;
}

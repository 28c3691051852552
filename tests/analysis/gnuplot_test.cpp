// The gnuplot renderer: the script it writes, the images gnuplot draws from it, and the error
// when gnuplot is missing.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>

#include "analysis/gnuplot.hpp"
#include "store/store_test_util.hpp"

namespace promptlab {
namespace {

namespace fs = std::filesystem;

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

Figure two_curves() {
  Figure f{"loss \"per\" epoch", "epoch", "loss_value", {}, FigureStyle::kLines};
  f.series.push_back({"run 1 (coop)", {0, 1, 2}, {2.5, 1.25, 0.5}});
  f.series.push_back({"run 2 (gcscoop)", {0, 1}, {2.0, std::numeric_limits<double>::quiet_NaN()}});
  return f;
}

// Restores an environment variable when the test ends.
struct EnvGuard {
  std::string name, old;
  bool had;
  EnvGuard(const char* n, const char* value) : name(n), had(std::getenv(n) != nullptr) {
    if (had) old = std::getenv(n);
    ::setenv(n, value, 1);
  }
  ~EnvGuard() {
    if (had)
      ::setenv(name.c_str(), old.c_str(), 1);
    else
      ::unsetenv(name.c_str());
  }
};

TEST(Gnuplot, FormatComesFromTheExtension) {
  EXPECT_EQ(image_format_of("a/b.png"), ImageFormat::kPng);
  EXPECT_EQ(image_format_of("b.SVG"), ImageFormat::kSvg);
  try {
    image_format_of("fig.pdf");
    ADD_FAILURE() << "no error for .pdf";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("fig.pdf"), std::string::npos) << e.what();
  }
}

TEST(Gnuplot, TheScriptHoldsTheDataAndEscapesTheLabels) {
  const std::string s = gnuplot_script(two_curves(), "/out/f.svg", ImageFormat::kSvg);
  EXPECT_NE(s.find("set terminal svg noenhanced"), std::string::npos) << s;
  EXPECT_NE(s.find("set output \"/out/f.svg\""), std::string::npos) << s;
  EXPECT_NE(s.find("set title \"loss \\\"per\\\" epoch\""), std::string::npos) << s;
  EXPECT_NE(s.find("$series0 << EOD\n0 2.5\n1 1.25\n2 0.5\nEOD\n"), std::string::npos) << s;
  EXPECT_NE(s.find("$series1 << EOD\n0 2\n1 NaN\nEOD\n"), std::string::npos) << s;
  EXPECT_NE(s.find("title \"run 2 (gcscoop)\""), std::string::npos) << s;
  EXPECT_NE(gnuplot_script(two_curves(), "f.png", ImageFormat::kPng).find("set terminal pngcairo"), std::string::npos);
  Figure bad = two_curves();
  bad.series[0].y.pop_back();
  EXPECT_THROW(gnuplot_script(bad, "f.png", ImageFormat::kPng), std::invalid_argument);
  Figure empty{"nothing", "x", "y", {}, FigureStyle::kPoints};
  EXPECT_NE(gnuplot_script(empty, "f.png", ImageFormat::kPng).find("no data"), std::string::npos);
}

TEST(Gnuplot, DrawsPngAndSvgWithTheScriptBeside) {
  testing::TempDir dir;
  const std::string png = dir.file("curves.png"), svg = dir.file("curves.svg");
  render_figure(two_curves(), png);
  render_figure(two_curves(), svg);
  const std::string png_bytes = read_all(png);
  ASSERT_GT(png_bytes.size(), 1000u);
  EXPECT_EQ(png_bytes.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  const std::string svg_text = read_all(svg);
  EXPECT_NE(svg_text.find("<svg"), std::string::npos);
  EXPECT_NE(svg_text.find("run 2 (gcscoop)"), std::string::npos);  // the key is drawn
  EXPECT_NE(read_all(png + ".gp").find("set output \"" + png + "\""), std::string::npos);
  // Nothing but the images and their scripts is left.
  std::size_t files = 0;
  for (const auto& e : fs::directory_iterator(dir.path())) {
    (void)e;
    ++files;
  }
  EXPECT_EQ(files, 4u);
  render_figure(Figure{"nothing", "x", "y", {}, FigureStyle::kPoints}, dir.file("empty.png"));
  EXPECT_GT(fs::file_size(dir.file("empty.png")), 0u);
}

TEST(Gnuplot, WithoutGnuplotTheErrorSaysWhatToInstallAndTheScriptIsKept) {
  testing::TempDir dir;
  const std::string png = dir.file("f.png");
  EnvGuard env("PROMPTLAB_GNUPLOT", "promptlab-no-gnuplot-here");
  try {
    render_figure(two_curves(), png);
    ADD_FAILURE() << "no error without gnuplot";
  } catch (const PlotError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("gnuplot-nox"), std::string::npos) << what;
    EXPECT_NE(what.find(png + ".gp"), std::string::npos) << what;
  }
  EXPECT_FALSE(fs::exists(png));
  EXPECT_TRUE(fs::exists(png + ".gp"));
}

TEST(Gnuplot, AFailingGnuplotLeavesNoImage) {
  testing::TempDir dir;
  const std::string png = dir.file("f.png");
  EnvGuard env("PROMPTLAB_GNUPLOT", "false");
  EXPECT_THROW(render_figure(two_curves(), png), PlotError);
  EXPECT_FALSE(fs::exists(png));
}

}  // namespace
}  // namespace promptlab

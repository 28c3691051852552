// End to end: `promptlab report` writes one self-contained page for a small real store, and
// headless Chromium renders it: its tables and every figure, with no console message.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>

#include "cli/cli_test_util.hpp"
#include "util/subprocess.hpp"

using namespace promptlab;
using promptlab::test::fresh_dir;
using promptlab::test::run_cli;
namespace fs = std::filesystem;

namespace {

std::string file_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

// The page after a headless Chromium loaded it (its DOM), with what the browser logged.
struct Rendered {
  int exit_code = -1;
  std::string dom, log;
};

Rendered render_in_chromium(const fs::path& page, const fs::path& screenshot, const fs::path& profile) {
  const std::vector<std::string> common{"chromium", "--headless=new", "--no-sandbox", "--disable-gpu",
                                        "--enable-logging=stderr", "--v=0",
                                        "--user-data-dir=" + profile.string(), "--window-size=1200,2400"};
  std::vector<std::string> shot = common, dump = common;
  shot.push_back("--screenshot=" + screenshot.string());
  shot.push_back("file://" + page.string());
  dump.push_back("--dump-dom");
  dump.push_back("file://" + page.string());
  const CommandResult s = run_command(shot);
  const CommandResult d = run_command(dump);
  return {s.exit_code != 0 ? s.exit_code : d.exit_code, d.out, s.err + d.err};
}

}  // namespace

TEST(ReportEndToEnd, OnePageWithTablesFiguresLandscapesAndConfigsThatChromiumRenders) {
  PROMPTLAB_REQUIRE_EMBEDDED_MODEL();
  const fs::path dir = fresh_dir("e2e_report");
  const std::string db = " --db " + (dir / "runs.db").string();
  auto bench = run_cli("bench --methods coop,gcscoop --datasets tiny_shapes --seeds 1 --set train.epochs=3 "
                       "--set train.views=1 --threads 1 --jobs 1" + db);
  ASSERT_EQ(bench.exit_code, 0) << bench.output;
  auto land = run_cli("landscape 1 2 --split new --points 5 --no-plot" + db);
  ASSERT_EQ(land.exit_code, 0) << land.output;
  const fs::path page = dir / "report.html";
  auto report = run_cli("report --out " + page.string() + db);
  ASSERT_EQ(report.exit_code, 0) << report.output;

  const std::string html = file_text(page);
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_EQ(count_of(html, "<h3>base2new</h3>"), 1u) << "the base-to-new table";
  EXPECT_NE(html.find("<td>gcscoop</td><td>tiny_shapes</td>"), std::string::npos);
  // Loss, accuracy and cosine per epoch, branch shares, base against new, sharpness, and the two
  // runs' landscape: seven figures, all drawn.
  EXPECT_EQ(count_of(html, "src=\"data:image/svg+xml;base64,"), 7u);
  EXPECT_EQ(count_of(html, "class=\"missing\""), 0u);
  EXPECT_NE(html.find("loss landscape: tiny_shapes, seed 1, new split"), std::string::npos);
  EXPECT_NE(html.find("<tr id=\"run-1\">"), std::string::npos);
  EXPECT_NE(html.find("&quot;gcsam.rho&quot;"), std::string::npos) << "run 2's config";
  // Self-contained: nothing is fetched from elsewhere.
  EXPECT_FALSE(std::regex_search(html, std::regex("(src|href)=\"(https?:|//)")));

  const bool required = std::getenv("PROMPTLAB_REQUIRE_BROWSER") != nullptr;
  if (run_command({"chromium", "--version"}).exit_code == 127) {
    ASSERT_FALSE(required) << "chromium is not installed (scripts/install-deps.sh installs it)";
    GTEST_SKIP() << "chromium is not installed: the browser half of this test needs Debian's chromium";
  }
  const fs::path shot = dir / "report.png";
  const Rendered r = render_in_chromium(page, shot, dir / "chromium-profile");
  ASSERT_EQ(r.exit_code, 0) << r.log;
  EXPECT_NE(r.dom.find("data-ready=\"1\""), std::string::npos) << "the page's script did not finish";
  EXPECT_NE(r.dom.find("data-figures-drawn=\"7\""), std::string::npos) << r.dom.substr(0, 400);
  EXPECT_GE(count_of(r.dom, "<table"), 2u);
  EXPECT_EQ(r.log.find("CONSOLE"), std::string::npos) << r.log;
  ASSERT_TRUE(fs::exists(shot)) << r.log;
  EXPECT_EQ(file_text(shot).substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  EXPECT_GT(fs::file_size(shot), 40000u) << "a blank page's screenshot is a few KiB";
}

// The report page's pieces: escaping, Markdown tables as HTML, and a page whose figures cannot
// all be drawn.
#include <gtest/gtest.h>

#include "analysis/gnuplot.hpp"
#include "analysis/report.hpp"
#include "store/store_test_util.hpp"

namespace promptlab {
namespace {

using testing::sample_record;
using testing::TempDir;

std::size_t occurrences(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(Report, EscapesHtml) {
  EXPECT_EQ(html_escaped("a<b & \"c\" 'd'>"), "a&lt;b &amp; &quot;c&quot; &#39;d&#39;&gt;");
}

TEST(Report, MarkdownTablesBecomeHtmlTables) {
  const std::string html = markdown_table_to_html(
      "| method | base |\n| --- | ---: |\n| co\\|op | 80.00 ± 1.00 |\n| <sam> | 70.00 |\n\nno finished runs\n");
  EXPECT_NE(html.find("<th>method</th><th class=\"num\">base</th>"), std::string::npos) << html;
  EXPECT_NE(html.find("<td>co|op</td><td class=\"num\">80.00 ± 1.00</td>"), std::string::npos) << html;
  EXPECT_NE(html.find("<td>&lt;sam&gt;</td>"), std::string::npos) << html;
  EXPECT_NE(html.find("<p>no finished runs</p>"), std::string::npos) << html;
  EXPECT_EQ(occurrences(html, "<table"), 1u);
}

TEST(Report, APageWithoutItsFiguresStillHoldsTablesAndConfigs) {
  TempDir dir;
  RunStore store(dir.file("p.db"));
  const std::int64_t id = store.begin_run(sample_record("gcscoop", "shapes", 1));
  store.log_epoch(id, {0, {{"branch_sgd", 2}, {"branch_sam", 2}, {"loss", 1.5}}});
  store.record_result(id, {"base", 100, 80, 80.0});
  store.record_result(id, {"new", 100, 60, 60.0});
  store.log_run_metrics(id, {{"sharpness", 0.125}});
  store.save_landscape({id, "new", "1d 3"}, {{0, 0, -1, 0, 2.0, 50}, {1, 0, 0, 0, 1.0, 60}, {2, 0, 1, 0, 2.5, 40}});
  store.finish_run(id, "finished");
  std::vector<std::string> drawn;
  const std::string html = report_html(store, {}, [&](const Figure& f) -> std::string {
    drawn.push_back(f.title);
    if (f.title.find("sharpness") != std::string::npos) throw PlotError("gnuplot is not installed");
    return "<svg xmlns=\"http://www.w3.org/2000/svg\"/>";
  });
  // Loss per epoch, branches, base-new, sharpness, one landscape (no acc or cos recorded: no figure).
  ASSERT_EQ(drawn.size(), 5u);
  EXPECT_EQ(occurrences(html, "data:image/svg+xml;base64,"), 4u);
  EXPECT_NE(html.find("This figure could not be drawn: gnuplot is not installed"), std::string::npos);
  EXPECT_NE(html.find("<h3>base2new</h3>"), std::string::npos);
  EXPECT_NE(html.find("<td class=\"num\">0.1250</td>"), std::string::npos);  // the run's sharpness
  EXPECT_NE(html.find("&quot;gcsam&quot;"), std::string::npos);  // its config, escaped
  EXPECT_NE(html.find("loss landscape: shapes, seed 1, new split (1d 3)"), std::string::npos);
  // An empty store gives a page that says so.
  RunStore empty(dir.file("empty.db"));
  const std::string none = report_html(empty, {}, [](const Figure&) -> std::string { return ""; });
  EXPECT_NE(none.find("No finished runs with results."), std::string::npos);
  EXPECT_NE(none.find("None stored yet"), std::string::npos);
}

}  // namespace
}  // namespace promptlab

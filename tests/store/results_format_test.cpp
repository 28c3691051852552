// Formatting of the results table and of single runs.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "store/results_format.hpp"

namespace promptlab {
namespace {

ResultRow row(const std::string& method, const std::string& dataset, double b, double bs, double n, double ns,
              std::int64_t seeds = 3, const std::string& hash = "P") {
  ResultRow r;
  r.method = method;
  r.dataset = dataset;
  r.protocol = "base2new";
  r.protocol_hash = hash;
  r.n_seeds = seeds;
  r.base_mean = b;
  r.base_std = bs;
  r.new_mean = n;
  r.new_std = ns;
  r.hm = 2 * b * n / (b + n);
  return r;
}

std::vector<ResultRow> dataset_rows() {
  return {row("coop", "caltech101", 98.0, 0.1234, 89.81, 1.5), row("coop", "pets", 93.67, 0.5, 95.29, 0.25),
          row("gcscoop", "pets", 95.0, 0.0, 97.0, 0.0)};
}

std::vector<ResultRow> average_rows() {
  ResultRow a = row("coop", "average", 95.836, 0.2, 92.55, 0.7);
  a.n_datasets = 2;
  ResultRow g = row("gcscoop", "average", 95.0, 0.0, 97.0, 0.0);
  return {a, g};
}

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

// Display width in code points.
std::size_t width(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

TEST(ResultsFormat, ParsesFormatNames) {
  EXPECT_EQ(parse_result_format("text"), ResultFormat::Text);
  EXPECT_EQ(parse_result_format("markdown"), ResultFormat::Markdown);
  EXPECT_EQ(parse_result_format("md"), ResultFormat::Markdown);
  EXPECT_EQ(parse_result_format("csv"), ResultFormat::Csv);
  EXPECT_EQ(parse_result_format("json"), ResultFormat::Json);
  try {
    parse_result_format("xml");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("'xml'"), std::string::npos);
  }
  EXPECT_EQ(parse_run_format("json"), RunFormat::Json);
  EXPECT_THROW(parse_run_format("csv"), std::invalid_argument);
}

TEST(ResultsFormat, MeanStd) {
  EXPECT_EQ(format_mean_std(82.6949, 0.4149), "82.69 \xC2\xB1 0.41");
  EXPECT_EQ(format_mean_std(5, 0, 1), "5.0 \xC2\xB1 0.0");
}

TEST(ResultsFormat, TextIsAlignedAndGroupsAverageAfterDatasets) {
  std::string out = format_results(dataset_rows(), average_rows(), ResultFormat::Text);
  auto ls = lines(out);
  ASSERT_EQ(ls.size(), 7u) << out;  // header, rule, 2 coop, coop avg, gcscoop, gcscoop avg
  EXPECT_EQ(ls[0].rfind("method", 0), 0u);
  EXPECT_NE(ls[0].find("seeds"), std::string::npos);
  EXPECT_NE(ls[0].find("HM"), std::string::npos);
  EXPECT_EQ(ls[1].find_first_not_of("- "), std::string::npos);
  EXPECT_NE(ls[2].find("caltech101"), std::string::npos);
  EXPECT_NE(ls[2].find("98.00 \xC2\xB1 0.12"), std::string::npos);
  EXPECT_NE(ls[3].find("pets"), std::string::npos);
  EXPECT_NE(ls[4].find("average (2)"), std::string::npos);
  EXPECT_NE(ls[4].find("95.84 \xC2\xB1 0.20"), std::string::npos) << ls[4];
  EXPECT_EQ(ls[5].rfind("gcscoop", 0), 0u);
  EXPECT_NE(ls[6].find("average (1)"), std::string::npos);
  // Every line has the same display width (right-aligned last column) and HM ends it.
  for (const auto& l : ls) EXPECT_EQ(width(l), width(ls[0])) << l;
  EXPECT_EQ(ls[2].substr(ls[2].size() - 5), "93.73");  // HM of 98.00 and 89.81
  // No protocol column for a single protocol.
  EXPECT_EQ(ls[0].find("protocol"), std::string::npos);
}

TEST(ResultsFormat, ProtocolColumnAppearsWhenHashesDiffer) {
  auto rows = dataset_rows();
  rows.push_back(row("coop", "pets", 50, 0, 50, 0, 1, "0123456789abcdef0123"));
  std::string out = format_results(rows, {}, ResultFormat::Text);
  EXPECT_NE(lines(out)[0].find("protocol"), std::string::npos);
  EXPECT_NE(out.find("base2new 0123456789ab "), std::string::npos) << out;
}

TEST(ResultsFormat, Markdown) {
  std::string out = format_results(dataset_rows(), average_rows(), ResultFormat::Markdown);
  auto ls = lines(out);
  ASSERT_EQ(ls.size(), 7u);
  EXPECT_EQ(ls[0], "| method | dataset | seeds | base | new | HM |");
  EXPECT_EQ(ls[1], "| --- | --- | ---: | ---: | ---: | ---: |");
  EXPECT_EQ(ls[2], "| coop | caltech101 | 3 | 98.00 \xC2\xB1 0.12 | 89.81 \xC2\xB1 1.50 | 93.73 |");
}

TEST(ResultsFormat, CsvHasFullPrecision) {
  std::string out = format_results(dataset_rows(), average_rows(), ResultFormat::Csv);
  auto ls = lines(out);
  ASSERT_EQ(ls.size(), 6u);
  EXPECT_EQ(ls[0], "method,dataset,protocol,protocol_hash,seeds,datasets,base_mean,base_std,new_mean,new_std,hm");
  EXPECT_EQ(ls[1].rfind("coop,caltech101,base2new,P,3,1,98,0.1234", 0), 0u) << ls[1];
  EXPECT_EQ(ls[3].rfind("coop,average,base2new,P,3,2,95.835999999999999,", 0), 0u) << ls[3];
  ResultRow odd = row("a,b", "say \"hi\"", 1, 0, 1, 0);
  std::string q = format_results({odd}, {}, ResultFormat::Csv);
  EXPECT_NE(q.find("\"a,b\",\"say \"\"hi\"\"\""), std::string::npos) << q;
}

TEST(ResultsFormat, JsonRoundTrips) {
  auto j = nlohmann::json::parse(format_results(dataset_rows(), average_rows(), ResultFormat::Json));
  ASSERT_TRUE(j.is_array());
  ASSERT_EQ(j.size(), 5u);
  EXPECT_EQ(j[0]["method"], "coop");
  EXPECT_EQ(j[0]["average"], false);
  EXPECT_DOUBLE_EQ(j[0]["base_std"].get<double>(), 0.1234);
  EXPECT_EQ(j[2]["average"], true);
  EXPECT_EQ(j[2]["datasets"], 2);
  EXPECT_DOUBLE_EQ(j[2]["hm"].get<double>(), average_rows()[0].hm);
}

TEST(ResultsFormat, EmptyTable) {
  EXPECT_NE(format_results({}, {}, ResultFormat::Text).find("no finished runs"), std::string::npos);
  EXPECT_EQ(nlohmann::json::parse(format_results({}, {}, ResultFormat::Json)).size(), 0u);
  EXPECT_EQ(lines(format_results({}, {}, ResultFormat::Csv)).size(), 1u);
}

TEST(ResultsFormat, AlignColumns) {
  std::string out = align_columns({{"a", "bb", "c"}, {"\xC2\xB1\xC2\xB1\xC2\xB1", "x", "1234"}}, true,
                                  {false, false, true});
  auto ls = lines(out);
  ASSERT_EQ(ls.size(), 3u);
  EXPECT_EQ(ls[0], "a    bb     c");
  EXPECT_EQ(ls[1], "---  --  ----");
  EXPECT_EQ(ls[2], "\xC2\xB1\xC2\xB1\xC2\xB1  x   1234");
}

RunRecord sample_run() {
  RunRecord r;
  r.id = 42;
  r.method = "gcscoop";
  r.learner = "coop";
  r.step_rule = "gcsam";
  r.dataset = "pets";
  r.seed = 2;
  r.status = "failed";
  r.error = "diverged";
  r.config_json = R"({"gcsam":{"rho":0.1},"optim":{"lr":0.002}})";
  r.plugin_versions_json = R"({"gcscoop":"0.1.0"})";
  return r;
}

TEST(RunFormat, TextShowsEverything) {
  std::vector<EpochMetrics> epochs{{0, {{"lr", 1e-5}, {"loss", 2.5}, {"branch_sam", 3}}},
                                   {1, {{"lr", 0.002}, {"loss", 1.25}, {"acc", 50}}}};
  std::vector<SplitResult> results{{"base", 200, 150, 75.0}, {"new", 100, 50, 50.0}};
  std::string prompt = "a photo of a";
  std::vector<Artifact> arts{{"prompt.txt", "text", {prompt.begin(), prompt.end()}},
                             {"ctx.bin", "tensor", std::vector<std::uint8_t>(64, 0)}};
  std::string out = format_run(sample_run(), epochs, results, {{"sharpness", 0.125}}, arts, RunFormat::Text);
  EXPECT_EQ(out.rfind("run 42: gcscoop on pets, seed 2 (failed)", 0), 0u) << out;
  EXPECT_NE(out.find("error"), std::string::npos);
  EXPECT_NE(out.find("diverged"), std::string::npos);
  EXPECT_NE(out.find("\"rho\": 0.1"), std::string::npos) << out;  // config pretty-printed
  // Epoch table: preferred metric order, then the rest.
  auto ls = lines(out);
  auto header = std::find_if(ls.begin(), ls.end(), [](const std::string& l) { return l.find("epoch") == 2; });
  ASSERT_NE(header, ls.end()) << out;
  EXPECT_LT(header->find("lr"), header->find("loss"));
  EXPECT_LT(header->find("loss"), header->find("acc"));
  EXPECT_LT(header->find("acc"), header->find("branch_sam"));
  EXPECT_NE(out.find("1e-05"), std::string::npos);
  EXPECT_NE(out.find("75.00"), std::string::npos);
  EXPECT_NE(out.find("\nrun metrics:\n  sharpness  0.125\n"), std::string::npos) << out;
  EXPECT_NE(out.find("ctx.bin"), std::string::npos);
  EXPECT_NE(out.find("64"), std::string::npos);
  EXPECT_NE(out.find("--- prompt.txt (text) ---\na photo of a\n"), std::string::npos) << out;
  EXPECT_EQ(out.find("--- ctx.bin"), std::string::npos);  // binary artifacts are not printed
}

TEST(RunFormat, JsonIsStructured) {
  std::vector<EpochMetrics> epochs{{0, {{"lr", 1e-5}, {"loss", std::nan("")}}}};
  std::vector<Artifact> arts{{"p.txt", "text", {'h', 'i'}}, {"t", "tensor", {1, 2, 3}}};
  auto j = nlohmann::json::parse(format_run(sample_run(), epochs, {{"base", 4, 3, 75.0}},
                                            {{"sharpness", 0.125}, {"hessian_top_eig", std::nan("")}}, arts,
                                            RunFormat::Json));
  EXPECT_EQ(j["run"]["id"], 42);
  EXPECT_EQ(j["run"]["status"], "failed");
  EXPECT_EQ(j["run"]["plugin_versions"]["gcscoop"], "0.1.0");
  EXPECT_DOUBLE_EQ(j["config"]["gcsam"]["rho"].get<double>(), 0.1);
  EXPECT_DOUBLE_EQ(j["epochs"][0]["lr"].get<double>(), 1e-5);
  EXPECT_TRUE(j["epochs"][0]["loss"].is_null());
  EXPECT_EQ(j["results"][0]["correct"], 3);
  EXPECT_DOUBLE_EQ(j["run_metrics"]["sharpness"].get<double>(), 0.125);
  EXPECT_TRUE(j["run_metrics"]["hessian_top_eig"].is_null());
  EXPECT_EQ(j["artifacts"][0]["text"], "hi");
  EXPECT_EQ(j["artifacts"][1]["bytes"], 3);
  EXPECT_FALSE(j["artifacts"][1].contains("text"));
}

TEST(RunFormat, InvalidConfigJsonIsShownVerbatim) {
  RunRecord r = sample_run();
  r.config_json = "not json {";
  EXPECT_NE(format_run(r, {}, {}, {}, {}, RunFormat::Text).find("not json {"), std::string::npos);
  auto j = nlohmann::json::parse(format_run(r, {}, {}, {}, {}, RunFormat::Json));
  EXPECT_EQ(j["config"], "not json {");
}

}  // namespace
}  // namespace promptlab

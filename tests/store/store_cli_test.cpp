// `promptlab results` and `promptlab show` end to end, through the real binary.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "store/run_store.hpp"
#include "store_test_util.hpp"

namespace promptlab {
namespace {

using testing::sample_record;
using testing::TempDir;

struct CliResult {
  int rc;
  std::string out;  // stdout and stderr together
};

CliResult run_cli(const std::string& args, const std::string& env = "") {
  std::string cmd = env + (env.empty() ? "" : " ") + "'" + std::string(PROMPTLAB_CLI) + "' " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return {-1, "popen failed"};
  std::string out;
  std::array<char, 512> buf{};
  while (fgets(buf.data(), buf.size(), p)) out += buf.data();
  int status = pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

class StoreCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(PROMPTLAB_CLI)) GTEST_SKIP() << "promptlab binary not built: " << PROMPTLAB_CLI;
    db_ = dir_.file("runs.db");
    RunStore store(db_);
    const double base[2][3] = {{80, 82, 84}, {90, 91, 92}};
    const double neu[2][3] = {{60, 62, 64}, {70, 71, 72}};
    const char* datasets[2] = {"alpha", "beta"};
    for (int d = 0; d < 2; ++d)
      for (int s = 0; s < 3; ++s) {
        std::int64_t id = store.begin_run(sample_record("coop", datasets[d], s + 1, "P"));
        store.log_epoch(id, {0, {{"lr", 1e-5}, {"loss", 2.0}}});
        store.log_epoch(id, {1, {{"lr", 0.002}, {"loss", 1.0}}});
        store.record_result(id, {"base", 100, static_cast<std::int64_t>(base[d][s]), base[d][s]});
        store.record_result(id, {"new", 100, static_cast<std::int64_t>(neu[d][s]), neu[d][s]});
        store.add_artifact(id, {"prompt.txt", "text", {'c', 't', 'x'}});
        store.finish_run(id, "finished");
        last_id_ = id;
      }
  }
  TempDir dir_;
  std::string db_;
  std::int64_t last_id_ = 0;
};

TEST_F(StoreCli, ResultsTextTable) {
  auto r = run_cli("--db '" + db_ + "' results");
  ASSERT_EQ(r.rc, 0) << r.out;
  EXPECT_NE(r.out.find("method"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("alpha"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("82.00 \xC2\xB1 2.00"), std::string::npos) << r.out;  // alpha base
  EXPECT_NE(r.out.find("average (2)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("86.50 \xC2\xB1"), std::string::npos) << r.out;  // (82 + 91) / 2
}

TEST_F(StoreCli, ResultsFiltersAndFormats) {
  auto csv = run_cli("--db '" + db_ + "' results --dataset beta --format csv");
  ASSERT_EQ(csv.rc, 0) << csv.out;
  EXPECT_EQ(csv.out.find("alpha"), std::string::npos) << csv.out;
  EXPECT_NE(csv.out.find("coop,beta,base2new,P,3,1,91,1,71,1,"), std::string::npos) << csv.out;
  EXPECT_NE(csv.out.find("coop,average,base2new,P,3,1,91,"), std::string::npos) << csv.out;
  auto none = run_cli("--db '" + db_ + "' results --method nobody --format json");
  ASSERT_EQ(none.rc, 0) << none.out;
  EXPECT_EQ(nlohmann::json::parse(none.out).size(), 0u);
  auto md = run_cli("--db '" + db_ + "' results --format markdown --protocol-hash P");
  ASSERT_EQ(md.rc, 0) << md.out;
  EXPECT_EQ(md.out.rfind("| method |", 0), 0u) << md.out;
  auto bad = run_cli("--db '" + db_ + "' results --format xml");
  EXPECT_NE(bad.rc, 0);
}

TEST_F(StoreCli, DatabaseFromEnvironment) {
  auto r = run_cli("results --format json", "PROMPTLAB_DB='" + db_ + "'");
  ASSERT_EQ(r.rc, 0) << r.out;
  EXPECT_EQ(nlohmann::json::parse(r.out).size(), 3u);
}

TEST_F(StoreCli, MissingDatabaseIsAnErrorAndNotCreated) {
  const std::string missing = dir_.file("missing.db");
  auto r = run_cli("--db '" + missing + "' results");
  EXPECT_NE(r.rc, 0);
  EXPECT_NE(r.out.find(missing), std::string::npos) << r.out;
  EXPECT_FALSE(std::filesystem::exists(missing));
}

TEST_F(StoreCli, ShowRunTextAndJson) {
  auto t = run_cli("--db '" + db_ + "' show " + std::to_string(last_id_));
  ASSERT_EQ(t.rc, 0) << t.out;
  EXPECT_NE(t.out.find("run " + std::to_string(last_id_) + ": coop on beta, seed 3 (finished)"), std::string::npos)
      << t.out;
  EXPECT_NE(t.out.find("--- prompt.txt (text) ---\nctx"), std::string::npos) << t.out;
  auto j = run_cli("--db '" + db_ + "' show " + std::to_string(last_id_) + " --format json");
  ASSERT_EQ(j.rc, 0) << j.out;
  auto parsed = nlohmann::json::parse(j.out);
  EXPECT_EQ(parsed["run"]["dataset"], "beta");
  EXPECT_EQ(parsed["epochs"].size(), 2u);
  EXPECT_DOUBLE_EQ(parsed["results"][0]["accuracy"].get<double>(), 92.0);
}

TEST_F(StoreCli, ShowUnknownRunNamesIt) {
  auto r = run_cli("--db '" + db_ + "' show 987654");
  EXPECT_NE(r.rc, 0);
  EXPECT_NE(r.out.find("987654"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace promptlab

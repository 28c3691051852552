// The `run` and `bench` commands' errors for unknown names and bad values.
#include <gtest/gtest.h>

#include "cli/cli_test_util.hpp"

using promptlab::test::fresh_dir;
using promptlab::test::run_cli;

namespace {
std::string db_in(const std::string& name) { return (fresh_dir(name) / "runs.db").string(); }
}  // namespace

TEST(RunErrors, UnknownMethodListsTheValidOnes) {
  auto r = run_cli("run --method gcscop --db " + db_in("unknown_method"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("gcscop"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("gcscoop"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("coop"), std::string::npos) << r.output;
}

TEST(RunErrors, UnknownDatasetListsTheValidOnes) {
  auto r = run_cli("run --method coop --dataset no_such_set --db " + db_in("unknown_dataset"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("no_such_set"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("oxford_pets"), std::string::npos) << r.output;
}

TEST(RunErrors, UnknownConfigKeyListsTheValidOnes) {
  auto r = run_cli("run --method coop --dataset tiny_shapes --set optim.lrr=0.1 --db " + db_in("unknown_key"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("optim.lrr"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("optim.lr"), std::string::npos) << r.output;
}

TEST(RunErrors, UnknownProtocolListsTheAvailableOnes) {
  auto r = run_cli("run --method coop --protocol nope --db " + db_in("unknown_protocol"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("base2new-tiny"), std::string::npos) << r.output;
}

TEST(RunErrors, MissingWeightsFileIsNamed) {
  auto r = run_cli("run --method zeroshot --dataset tiny_shapes --weights /nonexistent/ViT-B-16.pt --vocab /nonexistent/v.gz --db " +
                   db_in("missing_weights"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("/nonexistent/"), std::string::npos) << r.output;
}

TEST(RunErrors, BadSeedListForBench) {
  auto r = run_cli("bench --methods coop --seeds 1,x --db " + db_in("bad_seeds"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("'x'"), std::string::npos) << r.output;
}

TEST(RunErrors, HelpOnEverySubcommand) {
  for (const char* sub : {"run", "bench", "results", "show", "export", "plugins", "datasets", "tokenize", "encode", "pretrain"}) {
    auto r = run_cli(std::string(sub) + " --help");
    EXPECT_EQ(r.exit_code, 0) << sub << ": " << r.output;
    EXPECT_NE(r.output.find("Usage"), std::string::npos) << sub << ": " << r.output;
  }
}

// The `run` and `bench` commands' errors for unknown names and bad values.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

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

namespace {

TEST(RunErrors, UnknownCommandIsNamed) {
  auto r = run_cli("trian --method coop");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("unknown command 'trian'"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("run"), std::string::npos) << r.output;
  auto close = run_cli("resuls");
  EXPECT_NE(close.output.find("did you mean 'results'"), std::string::npos) << close.output;
}

TEST(RunErrors, PlainTextNamedGzIsNotAcceptedAsAVocabulary) {
  const auto dir = fresh_dir("fake_gz");
  const std::string fake = (dir / "bpe.txt.gz").string();
  std::ofstream(fake) << "#version: 0.2\na b\n";
  auto r = run_cli("tokenize --vocab " + fake + " hello");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find(fake + "' ends in .gz but is not gzip-compressed"), std::string::npos) << r.output;
}

TEST(RunErrors, MissingPluginDirectoriesAreReported) {
  auto r = run_cli("--plugin-path /nonexistent/mine plugins", "PROMPTLAB_PLUGIN_PATH=/nonexistent/env:");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("plugin directory /nonexistent/mine (from --plugin-path) does not exist"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("plugin directory /nonexistent/env (from PROMPTLAB_PLUGIN_PATH) does not exist"),
            std::string::npos)
      << r.output;
}

TEST(RunErrors, UnknownDeviceIsNamedWithoutABacktrace) {
  PROMPTLAB_REQUIRE_EMBEDDED_MODEL();
  auto r = run_cli("encode --weights " + promptlab::embedded_weights_path() + " --vocab " +
                   promptlab::embedded_vocab_path() + " --text hi --device tpu");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("--device must be cpu, cuda or cuda:N, got 'tpu'"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("frame #"), std::string::npos) << r.output;
  auto cfg = run_cli("run --method zeroshot --dataset tiny_shapes --set model.device=tpu --db " + db_in("tpu"));
  EXPECT_NE(cfg.output.find("model.device must be cpu, cuda or cuda:N, got 'tpu'"), std::string::npos) << cfg.output;
}

TEST(RunErrors, TorchSaveStateDictIsExplainedNotAnInternalAssert) {
  PROMPTLAB_REQUIRE_EMBEDDED_MODEL();
  if (std::system("/usr/bin/python3 -c 'import torch' >/dev/null 2>&1") != 0) GTEST_SKIP() << "needs python3-torch";
  const auto dir = fresh_dir("state_dict");
  const std::string path = (dir / "sd.pt").string();
  ASSERT_EQ(std::system(("/usr/bin/python3 -c \"import torch; torch.save({'w': torch.zeros(3)}, '" + path + "')\"").c_str()),
            0);
  auto r = run_cli("encode --weights " + path + " --vocab " + promptlab::embedded_vocab_path() + " --text hi");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find(path + ": neither a TorchScript archive nor a promptlab CLIP checkpoint"), std::string::npos)
      << r.output;
  EXPECT_EQ(r.output.find("report a bug"), std::string::npos) << r.output;
}

}  // namespace

namespace {

TEST(RunErrors, WeightsOrVocabularyThatIsAFolderOrEmptyIsNamed) {
  PROMPTLAB_REQUIRE_EMBEDDED_MODEL();
  const auto dir = fresh_dir("weights_kinds");
  const std::string empty = (dir / "empty.pt").string();
  std::ofstream(empty).flush();
  const std::string vocab = promptlab::embedded_vocab_path();
  const std::string common = " --method zeroshot --dataset tiny_shapes --db " + db_in("weights_kinds_db");
  auto folder = run_cli("run --weights " + dir.string() + " --vocab " + vocab + common);
  EXPECT_NE(folder.output.find("model.weights (--weights): '" + dir.string() + "' is a folder"), std::string::npos)
      << folder.output;
  auto vocab_folder = run_cli("run --weights " + promptlab::embedded_weights_path() + " --vocab " + dir.string() + common);
  EXPECT_NE(vocab_folder.output.find("model.vocab (--vocab): '" + dir.string() + "' is a folder"), std::string::npos)
      << vocab_folder.output;
  auto empty_file = run_cli("run --weights " + empty + " --vocab " + vocab + common);
  EXPECT_NE(empty_file.exit_code, 0);
  EXPECT_NE(empty_file.output.find(empty), std::string::npos) << empty_file.output;
}

}  // namespace

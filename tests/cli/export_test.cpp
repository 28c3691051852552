// `promptlab export`: the learned prompt loads in PyTorch with one call and holds the run's values.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cli/cli_test_util.hpp"
#include "store/run_store.hpp"
#include "support/python_fixture.hpp"
#include "train/learned_parameters.hpp"
#include "train/model_source.hpp"

using namespace promptlab;
using promptlab::test::fresh_dir;
using promptlab::test::run_cli;
namespace fs = std::filesystem;

namespace {

TEST(Export, PromptLoadsWithTorchLoadAndMatchesTheStoredValues) {
  PROMPTLAB_REQUIRE_EMBEDDED_MODEL();
  const std::string why = test::fixture::python_missing("torch");
  if (!why.empty()) GTEST_SKIP() << why;
  const auto dir = fresh_dir("export");
  const std::string db = (dir / "runs.db").string();
  auto r = run_cli("run --method cocoop --dataset tiny_shapes --set train.epochs=1 --set train.views=1 --db " + db +
                   " --threads 1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto e = run_cli("export 1 --out " + (dir / "out").string() + " --db " + db);
  ASSERT_EQ(e.exit_code, 0) << e.output;

  // The stored tensors, as the run recorded them.
  RunStore store(db);
  std::vector<std::pair<std::string, torch::Tensor>> stored;
  for (const auto& a : store.artifacts(1))
    if (a.name == "parameters") stored = load_named_tensors(a.data, "test");
  ASSERT_EQ(stored.size(), 5u);  // ctx and the meta-net's two layers
  EXPECT_EQ(stored[0].first, "ctx");

  // PyTorch reads the export with torch.load and sees the same names and values.
  const fs::path dump = dir / "dump.json";
  const std::string cmd = "/usr/bin/python3 -c \"import json, torch; d = torch.load('" +
                          (dir / "out" / "prompt.pt").string() +
                          "'); json.dump({k: v.double().flatten().tolist() for k, v in d.items()}, open('" +
                          dump.string() + "', 'w'))\"";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  std::ifstream in(dump);
  const auto loaded = nlohmann::json::parse(in);
  ASSERT_EQ(loaded.size(), stored.size());
  for (const auto& [name, t] : stored) {
    ASSERT_TRUE(loaded.contains(name)) << name;
    const auto values = loaded[name].get<std::vector<double>>();
    const torch::Tensor flat = t.to(torch::kDouble).flatten();
    ASSERT_EQ(static_cast<std::int64_t>(values.size()), flat.numel()) << name;
    for (std::int64_t i = 0; i < flat.numel(); ++i) EXPECT_EQ(values[static_cast<std::size_t>(i)], flat[i].item<double>());
  }

  // run.json carries the config and the results.
  std::ifstream run_json(dir / "out" / "run.json");
  const auto j = nlohmann::json::parse(run_json);
  EXPECT_EQ(j["run"]["method"], "cocoop");
  EXPECT_EQ(j["config"]["train.epochs"], 1);
  ASSERT_EQ(j["results"].size(), 2u);
  EXPECT_EQ(j["results"][0]["split"], "base");
  EXPECT_EQ(j["results"][0]["dataset"], "tiny_shapes");
}

TEST(Export, ErrorsNameTheRunOrFolderAndZeroshotExportsItsRecordOnly) {
  PROMPTLAB_REQUIRE_EMBEDDED_MODEL();
  const auto dir = fresh_dir("export_errors");
  const std::string db = (dir / "runs.db").string();
  ASSERT_EQ(run_cli("run --method zeroshot --dataset tiny_shapes --db " + db).exit_code, 0);
  auto missing = run_cli("export 7 --out " + (dir / "x").string() + " --db " + db);
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.output.find("no run with id 7"), std::string::npos) << missing.output;
  std::ofstream(dir / "file") << "not a folder";
  auto file = run_cli("export 1 --out " + (dir / "file").string() + " --db " + db);
  EXPECT_NE(file.exit_code, 0);
  EXPECT_NE(file.output.find((dir / "file").string()), std::string::npos) << file.output;
  auto zs = run_cli("export 1 --out " + (dir / "zs").string() + " --db " + db);
  EXPECT_EQ(zs.exit_code, 0) << zs.output;
  EXPECT_TRUE(fs::exists(dir / "zs" / "run.json"));
  EXPECT_FALSE(fs::exists(dir / "zs" / "prompt.pt"));
  EXPECT_NE(zs.output.find("no learned parameters"), std::string::npos) << zs.output;
  auto nodb = run_cli("export 1 --out " + (dir / "y").string() + " --db " + (dir / "none.db").string());
  EXPECT_NE(nodb.exit_code, 0);
  EXPECT_NE(nodb.output.find("none.db"), std::string::npos) << nodb.output;
}

}  // namespace

// `promptlab pretrain`'s engine on a very small model: files, run record, resume.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>

#include "store/run_store.hpp"
#include "world/pretrain_stream.hpp"
#include "world/pretrainer.hpp"

namespace fs = std::filesystem;
namespace pw = promptlab::world;

namespace {

fs::path fresh_dir(const std::string& name) {
  const char* base = std::getenv("PROMPTLAB_TEST_TMP");
  fs::path dir = fs::path(base && *base ? base : "/tmp") /
                 ("world_" + name + "_" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
  fs::create_directories(dir);
  return dir;
}

pw::PretrainOptions tiny_options(const fs::path& dir) {
  pw::PretrainOptions o;
  o.out_dir = (dir / "out").string();
  o.samples = 16;
  o.batch = 8;
  o.threads = 1;
  o.checkpoint_every = 1;
  o.bpe_merges = 40;
  o.bpe_corpus = 300;
  o.db_path = (dir / "runs.db").string();
  o.model.image_resolution = 16;
  o.model.vision_patch = 8;
  o.model.vision_width = 64;
  o.model.vision_layers = 1;
  o.model.text_width = 64;
  o.model.text_layers = 1;
  o.model.embed_dim = 32;
  o.model.context_length = 40;
  return o;
}

}  // namespace

TEST(Pretrainer, WritesCheckpointMergesAndRunRecord) {
  auto dir = fresh_dir("pretrain");
  auto o = tiny_options(dir);
  int reports = 0;
  auto r = pw::pretrain(o, [&](const pw::PretrainProgress& p) {
    ++reports;
    EXPECT_TRUE(std::isfinite(p.loss));
    EXPECT_LE(p.logit_scale, 100.0 + 1e-6);
  });
  EXPECT_EQ(r.steps, 2);
  EXPECT_EQ(reports, 2);
  EXPECT_TRUE(fs::exists(r.checkpoint_path));
  EXPECT_TRUE(fs::exists(r.merges_path));
  auto model = promptlab::load_clip(r.checkpoint_path);
  EXPECT_EQ(model->config().image_resolution, 16);
  EXPECT_EQ(model->config().vocab_size, 512 + 40 + 2);
  promptlab::RunStore store(o.db_path);
  auto run = store.get_run(r.run_id);
  ASSERT_TRUE(run.has_value());
  EXPECT_EQ(run->method, "pretrain");
  EXPECT_EQ(run->status, "finished");
  auto cfg = nlohmann::json::parse(run->config_json);
  EXPECT_EQ(cfg.at("batch").get<int>(), 8);
  EXPECT_EQ(cfg.at("model").at("vocab_size").get<int>(), 512 + 40 + 2);
  EXPECT_EQ(store.epochs(r.run_id).size(), 2u);
}

TEST(Pretrainer, OptionsBeforeTheMergesDoNotClaimAnEmptyVocabulary) {
  pw::PretrainOptions o;
  o.model.vocab_size = 0;
  auto j = nlohmann::json::parse(pw::pretrain_options_json(o));
  EXPECT_EQ(j.at("model").at("vocab_size").get<std::string>(), "from the merges");
  o.model.vocab_size = 967;
  j = nlohmann::json::parse(pw::pretrain_options_json(o));
  EXPECT_EQ(j.at("model").at("vocab_size").get<int>(), 967);
}

TEST(Pretrainer, GroupSizeThatDoesNotDivideTheBatchIsRefusedByName) {
  auto dir = fresh_dir("group_size");
  auto o = tiny_options(dir);
  o.group_size = 3;  // batch is 8
  try {
    pw::pretrain(o, [](const pw::PretrainProgress&) {});
    FAIL() << "expected an error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("--group-size 3"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("--batch 8"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(dir / "runs.db")) << "nothing is recorded for a refused run";
}

TEST(Pretrainer, ResumeContinuesFromTheSavedStep) {
  auto dir = fresh_dir("resume");
  auto o = tiny_options(dir);
  o.db_path.clear();
  pw::pretrain(o);
  std::ifstream f(fs::path(o.out_dir) / "state.json");
  EXPECT_EQ(nlohmann::json::parse(f).at("step").get<int>(), 2);
  o.samples = 32;  // two more steps
  o.resume = true;
  int first_step = -1;
  auto r = pw::pretrain(o, [&](const pw::PretrainProgress& p) {
    if (first_step < 0) first_step = static_cast<int>(p.step);
  });
  EXPECT_EQ(first_step, 3);
  EXPECT_EQ(r.steps, 4);
}

TEST(PretrainStream, BatchesDoNotDependOnWorkerCount) {
  auto tok = promptlab::Tokenizer::from_merges({});
  pw::PretrainStream one(5, 4, 16, 48, tok, 0, 1);
  pw::PretrainStream three(5, 4, 16, 48, tok, 0, 3);
  for (int i = 0; i < 3; ++i) {
    auto a = one.next();
    auto b = three.next();
    EXPECT_EQ(a.step, i);
    EXPECT_TRUE(torch::equal(a.images, b.images));
    EXPECT_TRUE(torch::equal(a.tokens, b.tokens));
  }
}

// Regression: workers used to read the consumer's position when they first ran, so a worker
// that started after the consumer took a batch skipped a step and next() waited forever.
// Many short-lived streams with more workers than cores make a late start likely.
TEST(PretrainStream, LateStartingWorkersSkipNoStep) {
  auto tok = promptlab::Tokenizer::from_merges({});
  auto drain = std::async(std::launch::async, [&] {
    for (int round = 0; round < 40; ++round) {
      pw::PretrainStream s(static_cast<std::uint64_t>(round), 1, 8, 16, tok, 0, 6, 2);
      for (int i = 0; i < 12; ++i) {
        if (s.next().step != i) return false;
      }
    }
    return true;
  });
  if (drain.wait_for(std::chrono::seconds(120)) != std::future_status::ready) {
    ADD_FAILURE() << "PretrainStream::next() is stuck: a step was never produced";
    std::_Exit(1);  // the stuck stream cannot be joined
  }
  EXPECT_TRUE(drain.get());
}

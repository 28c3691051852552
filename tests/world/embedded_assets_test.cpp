// The shipped tiny CLIP reproduces the zero-shot numbers recorded in assets/embedded/zeroshot.json.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

#include "promptlab/clip_model.hpp"
#include "promptlab/tokenizer.hpp"
#include "world/suite.hpp"
#include "world/zeroshot_eval.hpp"

namespace {

const std::string kDir = std::string(PROMPTLAB_SOURCE_DIR) + "/assets/embedded";

bool assets_present() {
  for (const char* f : {"tiny_clip.pt", "merges.txt", "zeroshot.json"}) {
    if (!std::filesystem::exists(kDir + "/" + f)) return false;
  }
  return true;
}

}  // namespace

TEST(EmbeddedAssets, CheckpointAndMergesAreSmall) {
  if (!assets_present()) GTEST_SKIP() << "assets/embedded/ has no pretrained tiny CLIP yet (run promptlab pretrain)";
  auto size = std::filesystem::file_size(kDir + "/tiny_clip.pt") + std::filesystem::file_size(kDir + "/merges.txt");
  EXPECT_LE(size, 20u * 1024u * 1024u);
}

TEST(EmbeddedAssets, ReproducesZeroShotAccuracies) {
  if (!assets_present()) GTEST_SKIP() << "assets/embedded/ has no pretrained tiny CLIP yet (run promptlab pretrain)";
  at::set_num_threads(2);
  auto model = promptlab::load_clip(kDir + "/tiny_clip.pt");
  auto tok = promptlab::Tokenizer::from_file(kDir + "/merges.txt");
  EXPECT_EQ(static_cast<std::size_t>(model->config().vocab_size), tok.vocab_size());
  std::ifstream f(kDir + "/zeroshot.json");
  auto expected = nlohmann::json::parse(f);
  auto names = promptlab::embedded_dataset_names();
  ASSERT_EQ(expected.at("datasets").size(), names.size());
  for (const auto& name : names) {
    auto d = promptlab::open_embedded_dataset(name);
    auto s = promptlab::world::evaluate_embedded(model, tok, *d, 0);
    const auto& e = expected.at("datasets").at(name);
    EXPECT_NEAR(s.base, e.at("base").get<double>(), 0.5) << name;
    EXPECT_NEAR(s.novel, e.at("new").get<double>(), 0.5) << name;
    EXPECT_NEAR(s.all, e.at("all").get<double>(), 0.5) << name;
  }
}

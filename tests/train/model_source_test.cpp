// load_model: the runs of one process share the last loaded model, set back for each run, and a
// changed file or setting loads again.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>

#include "train/model_source.hpp"

using namespace promptlab;
namespace fs = std::filesystem;

namespace {

fs::path model_scratch(const std::string& tag) {
  auto p = fs::path(PROMPTLAB_BUILD_DIR) / "test-tmp" / tag;
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

TEST(LoadModel, RunsOfOneProcessShareTheModelSetBackForEachRun) {
  if (embedded_weights_path().empty()) GTEST_SKIP() << "the embedded model (assets/embedded/) is not present";
  const fs::path dir = model_scratch("load_model_shared");
  const fs::path weights = dir / "weights.pt", vocab = dir / "merges.txt";
  fs::copy_file(embedded_weights_path(), weights);
  fs::copy_file(embedded_vocab_path(), vocab);
  Config config;
  config.set("model.weights", weights.string());
  config.set("model.vocab", vocab.string());

  ModelBundle a = load_model(config);
  // What a run might leave behind on the shared model.
  a.clip->train();
  a.clip->parameters().front().set_requires_grad(true);
  a.clip->set_text_grad_chunk(3);
  const ModelBundle b = load_model(config);
  EXPECT_EQ(b.clip.ptr(), a.clip.ptr()) << "the same files and settings load once";
  EXPECT_EQ(b.checksum, a.checksum);
  EXPECT_EQ(b.tokenizer, a.tokenizer);
  EXPECT_FALSE(b.clip->is_training());
  for (const auto& p : b.clip->parameters()) EXPECT_FALSE(p.requires_grad());
  EXPECT_EQ(b.clip->text_grad_chunk(), kDefaultTextGradChunk);

  // Another precision is another model.
  Config bf16 = config;
  bf16.set("model.precision", std::string("bf16"));
  const ModelBundle c = load_model(bf16);
  EXPECT_NE(c.clip.ptr(), a.clip.ptr());
  EXPECT_EQ(c.precision, Precision::kBf16);
  EXPECT_EQ(a.precision, Precision::kFp32);
  EXPECT_EQ(a.clip->named_parameters()["text_projection"].scalar_type(), torch::kFloat) << "the fp32 model was cast";

  // A weights file changed on disk is read again.
  const ModelBundle d = load_model(config);
  fs::last_write_time(weights, fs::last_write_time(weights) + std::chrono::seconds(2));
  const ModelBundle e = load_model(config);
  EXPECT_NE(e.clip.ptr(), d.clip.ptr());
  EXPECT_EQ(e.checksum, d.checksum);
  EXPECT_EQ(e.clip->named_parameters()["text_projection"].sizes(), d.clip->named_parameters()["text_projection"].sizes());
  fs::remove_all(dir);
}

}  // namespace

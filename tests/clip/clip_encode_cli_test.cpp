// `promptlab encode` end to end: an image file through decode, the test transform and
// the image tower, against the independent Python reference.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "clip/clip_test_support.hpp"

namespace promptlab {
namespace {

namespace fs = std::filesystem;

using test::CommandResult;
using test::run_command;

class ClipEncodeCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(PROMPTLAB_CLI)) GTEST_SKIP() << "promptlab binary not built: " << PROMPTLAB_CLI;
    PROMPTLAB_REQUIRE_PYTHON_TORCH();
    dir_ = test::tiny_reference();
  }
  std::string cli(const fs::path& dir) const {
    return std::string("'") + PROMPTLAB_CLI + "' --threads 2 encode --weights '" + (dir / "weights.pt").string() + "'";
  }
  std::string cli() const { return cli(dir_); }
  fs::path dir_;
};

TEST_F(ClipEncodeCli, ImageFeaturesMatchReference) {
  const std::string image = (dir_ / "image0.png").string();
  const CommandResult r = run_command(cli() + " --image '" + image + "'", false);
  ASSERT_EQ(r.status, 0) << r.output;
  std::istringstream lines(r.output);
  std::string line;
  ASSERT_TRUE(std::getline(lines, line)) << r.output;
  const auto json = nlohmann::json::parse(line);
  EXPECT_EQ(json["input"].get<std::string>(), image);
  const auto features = json["features"].get<std::vector<float>>();
  const torch::Tensor expected = test::read_raw(dir_ / "image0_features.bin", {1, 32}, torch::kFloat);
  ASSERT_EQ(features.size(), 32u);
  EXPECT_LE(test::max_abs_diff(torch::tensor(features).view({1, 32}), expected), 1e-4);
  EXPECT_FALSE(std::getline(lines, line)) << "one line per input";
}

TEST_F(ClipEncodeCli, Bf16PrecisionRuns) {
  const CommandResult r = run_command(cli() + " --precision bf16 --image '" + (dir_ / "image0.png").string() + "'", false);
  ASSERT_EQ(r.status, 0) << r.output;
  const torch::Tensor expected = test::read_raw(dir_ / "image0_features.bin", {1, 32}, torch::kFloat);
  EXPECT_GT(torch::cosine_similarity(test::encoded_features(r), expected, 1).item<double>(), 0.99);
}

TEST_F(ClipEncodeCli, ResNetImageFeaturesMatchReference) {
  const fs::path dir = test::tiny_reference("rn_tiny");
  const CommandResult r = run_command(cli(dir) + " --image '" + (dir / "image0.png").string() + "'", false);
  ASSERT_EQ(r.status, 0) << r.output;
  const torch::Tensor expected = test::read_raw(dir / "image0_features.bin", {1, 32}, torch::kFloat);
  EXPECT_LE(test::max_abs_diff(test::encoded_features(r), expected), 1e-4);
}

TEST_F(ClipEncodeCli, ErrorsAreClear) {
  const CommandResult no_vocab = run_command(cli() + " --text 'a photo of a dog.'", true);
  EXPECT_NE(no_vocab.status, 0);
  EXPECT_NE(no_vocab.output.find("--vocab"), std::string::npos) << no_vocab.output;
  const fs::path broken = test::tiny_reference("rn_tiny") / "broken_missing_attnpool.pt";
  const CommandResult resnet =
      run_command(std::string("'") + PROMPTLAB_CLI + "' encode --weights '" + broken.string() + "' --image '" +
              (dir_ / "image0.png").string() + "'",
          true);
  EXPECT_NE(resnet.status, 0);
  EXPECT_NE(resnet.output.find("missing key 'visual.attnpool.k_proj.weight'"), std::string::npos) << resnet.output;
  const std::string vocab = std::string(PROMPTLAB_SOURCE_DIR) + "/../shared/clip/bpe_simple_vocab_16e6.txt.gz";
  if (fs::exists(vocab)) {  // the tiny model embeds 1000 tokens, the OpenAI vocabulary 49408
    const CommandResult small = run_command(cli() + " --vocab '" + vocab + "' --text 'a photo of a dog.'", true);
    EXPECT_NE(small.status, 0);
    EXPECT_NE(small.output.find("embeds only 1000"), std::string::npos) << small.output;
  }
  const CommandResult nothing = run_command(cli(), true);
  EXPECT_NE(nothing.status, 0);
  const CommandResult fp16 = run_command(cli() + " --precision fp16 --image '" + (dir_ / "image0.png").string() + "'", true);
  if (fp16.status != 0) EXPECT_NE(fp16.output.find("fp16"), std::string::npos) << fp16.output;
}

}  // namespace
}  // namespace promptlab

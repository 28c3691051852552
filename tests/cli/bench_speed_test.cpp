// `promptlab bench-speed`: the JSON it prints, its figures, and its errors.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <torch/cuda.h>

#include "cli/cli_test_util.hpp"
#include "promptlab/tokenizer.hpp"
#include "train/model_source.hpp"
#include "train/speed_bench.hpp"

using promptlab::test::run_cli;

namespace {

nlohmann::json last_json_line(const std::string& output) {
  const auto end = output.find_last_not_of('\n');
  const auto begin = output.rfind('\n', end);
  return nlohmann::json::parse(output.substr(begin == std::string::npos ? 0 : begin + 1, end + 1));
}

TEST(BenchSpeed, PrintsOneJsonObjectWithEveryFigure) {
  PROMPTLAB_REQUIRE_EMBEDDED_MODEL();
  for (const char* method : {"coop", "gcscoop", "cocoop"}) {
    auto r = run_cli(std::string("bench-speed --method ") + method +
                     " --preset tiny --n-cls 6 --batch 4 --steps 2 --threads 1");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const nlohmann::json j = last_json_line(r.output);
    EXPECT_EQ(j.at("method"), method);
    EXPECT_EQ(j.at("n_cls"), 6);
    EXPECT_EQ(j.at("batch"), 4);
    EXPECT_EQ(j.at("threads"), 1);
    EXPECT_EQ(j.at("precision"), "fp32");
    EXPECT_EQ(j.at("device"), "cpu");
    for (const char* key : {"text_step_seconds", "image_seconds", "image_gflops", "gflops_per_second",
                            "text_encoder_seconds", "text_gflops", "text_gflops_per_second",
                            "peak_gflops_per_second", "peak_rss_mb"}) {
      EXPECT_GT(j.at(key).get<double>(), 0.0) << method << " " << key;
    }
    EXPECT_EQ(j.at("text_chunk"), promptlab::kDefaultTextGradChunk);
    EXPECT_NEAR(j.at("text_gflops_per_second").get<double>(),
                j.at("text_gflops").get<double>() / j.at("text_encoder_seconds").get<double>(), 1e-6);
    EXPECT_DOUBLE_EQ(j.at("step_seconds").get<double>(),
                     j.at("text_step_seconds").get<double>() + j.at("image_seconds").get<double>());
    // In fp32 the "low precision" features are the fp32 ones: the same computation.
    EXPECT_NEAR(j.at("image_cosine_to_fp32").get<double>(), 1.0, 1e-6) << method;
    EXPECT_NEAR(j.at("text_cosine_to_fp32").get<double>(), 1.0, 1e-6) << method;
  }
  EXPECT_EQ(last_json_line(run_cli("bench-speed --method gcscoop --preset tiny --n-cls 3 --batch 2 --steps 1").output)
                .at("step_rule"),
            "gcsam");
}

TEST(BenchSpeed, Bf16AndTextFormat) {
  PROMPTLAB_REQUIRE_EMBEDDED_MODEL();
  auto r = run_cli("bench-speed --method coop --preset tiny --n-cls 3 --batch 2 --steps 1 --precision bf16 --format text");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("coop (coop / sgd), preset tiny, bf16 on cpu, 3 classes, batch 2"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("text step"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("cosine to fp32: image features 0.9"), std::string::npos) << r.output;
  // bf16 encoders give features close to, but not the same as, fp32's.
  const nlohmann::json j = last_json_line(
      run_cli("bench-speed --method coop --preset tiny --n-cls 5 --batch 3 --steps 1 --precision bf16").output);
  for (const char* key : {"image_cosine_to_fp32", "text_cosine_to_fp32"}) {
    EXPECT_GT(j.at(key).get<double>(), 0.98) << key;
    EXPECT_LT(j.at(key).get<double>(), 1.0 - 1e-7) << key;
  }
}

TEST(BenchSpeed, BadValuesAreNamed) {
  std::vector<std::pair<std::string, std::string>> cases = {
      {"--preset vitb17", "--preset must be vitb16 or tiny, got 'vitb17'"},
      {"--preset tiny --n-cls 0", "--n-cls must be >= 1, got 0"},
      {"--preset tiny --batch 0", "--batch must be >= 1, got 0"},
      {"--preset tiny --steps 0", "--steps must be >= 1, got 0"},
      {"--preset tiny --warmup -1", "--warmup must be >= 0, got -1"},
      {"--preset tiny --method zeroshot", "method 'zeroshot' does not train"},
      {"--preset tiny --method gcscop", "gcscoop"},
      {"--preset tiny --precision fp8", "fp8"},
      {"--preset tiny --format xml", "xml"},
      {"--preset tiny --device tpu", "--device must be cpu, cuda or cuda:N, got 'tpu'"},
      {"--preset tiny --text-chunk -2", "--text-chunk"},
  };
  if (!torch::cuda::is_available()) {
    cases.emplace_back("--preset tiny --device cuda:1", "--device='cuda:1' but this LibTorch build has no usable CUDA device");
  }
  for (const auto& [args, expected] : cases) {
    auto r = run_cli("bench-speed " + args);
    EXPECT_NE(r.exit_code, 0) << args;
    EXPECT_NE(r.output.find(expected), std::string::npos) << args << ": " << r.output;
  }
}

TEST(BenchSpeed, VitImageFlopsCountsPatchEmbeddingLayersAndProjection) {
  promptlab::ClipConfig c;  // ViT-B/16: 197 tokens, width 768, 12 layers, 512-d output
  const double tokens = 197, w = 768;
  const double per_layer = 12 * tokens * w * w + 2 * tokens * tokens * w;
  const double expected = 2 * (196 * (3 * 16 * 16) * w + 12 * per_layer + w * 512);
  EXPECT_DOUBLE_EQ(promptlab::vit_image_flops(c, 1), expected);
  EXPECT_DOUBLE_EQ(promptlab::vit_image_flops(c, 8), 8 * expected);
  EXPECT_NEAR(expected / 1e9, 35.2, 0.2);  // ViT-B/16 is about 17.6 GMACs per image
}

TEST(BenchSpeed, TextEncoderFlopsCountForwardAndTheBackwardToTheInputs) {
  promptlab::ClipConfig c;  // ViT-B/16's text tower: width 512, 12 layers, 512-d output
  const double w = 512, len = 9;
  const double forward = 12 * w * w + 2 * len * w, backward = 12 * w * w + 4 * len * w;
  const double expected = 2 * (len * 12 * (forward + backward) + 2 * w * 512);
  EXPECT_DOUBLE_EQ(promptlab::text_encoder_flops(c, 1, 9), expected);
  EXPECT_DOUBLE_EQ(promptlab::text_encoder_flops(c, 100, 9), 100 * expected);
  // About 2 x 12 x 3 MACs per weight per token: 12 layers of 3.1 M weights, forward and backward.
  EXPECT_NEAR(expected / 9, 2 * 2 * 12 * 12 * w * w, 0.02 * expected / 9);
}

// The reference script's class names are 2 + i % 3 random token ids; bench-speed's are as long.
TEST(BenchSpeed, ClassNamesAreAsLongAsTheReferenceScripts) {
  const std::string vocab = promptlab::embedded_vocab_path();
  if (vocab.empty()) GTEST_SKIP() << "the embedded vocabulary (assets/embedded/merges.txt) is not present";
  const promptlab::Tokenizer tokenizer = promptlab::Tokenizer::from_file(vocab);
  const std::vector<std::string> names = promptlab::speed_class_names(tokenizer, 12);
  ASSERT_EQ(names.size(), 12u);
  for (std::size_t i = 0; i < names.size(); ++i) {
    EXPECT_EQ(tokenizer.encode(names[i]).size(), 2 + i % 3) << "'" << names[i] << "'";
  }
  EXPECT_NE(names[0], names[3]);
  // A CoOp prompt of the shortest name: SOS, 4 context tokens, 2 name tokens, '.', EOT.
  EXPECT_EQ(tokenizer.encode("X X X X " + names[0] + ".").size(), 7u);
}

TEST(BenchSpeed, RecomputationIsReportedAndMeasured) {
  PROMPTLAB_REQUIRE_EMBEDDED_MODEL();
  auto r = run_cli("bench-speed --method gcscoop --preset tiny --n-cls 7 --batch 2 --steps 1 --text-chunk 3 --threads 1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const nlohmann::json j = last_json_line(r.output);
  EXPECT_EQ(j.at("text_chunk"), 3);
  EXPECT_GT(j.at("text_step_seconds").get<double>(), 0.0);
  EXPECT_GT(j.at("text_encoder_seconds").get<double>(), 0.0);
}

}  // namespace

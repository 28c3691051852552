// CLIP ViT against the independent Python reference, plus the text-path equivalences
// (full-size models: clip_full_size_test.cpp).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <set>

#include "clip/clip_test_support.hpp"
#include "promptlab/clip_model.hpp"

namespace promptlab {
namespace {

using test::max_abs_diff;

class ClipTiny : public ::testing::Test {
 protected:
  void SetUp() override {
    PROMPTLAB_REQUIRE_PYTHON_TORCH();
    torch::set_num_threads(2);
    dir_ = test::tiny_reference();
    ref_ = test::load_reference(dir_);
    model_ = load_clip((dir_ / "weights.pt").string());
  }
  std::filesystem::path dir_;
  test::Reference ref_;
  ClipModel model_{nullptr};
};

TEST_F(ClipTiny, InfersTheArchitecture) {
  const ClipConfig& c = model_->config();
  EXPECT_EQ(c.embed_dim, ref_.meta["embed"].get<std::int64_t>());
  EXPECT_EQ(c.image_resolution, ref_.meta["resolution"].get<std::int64_t>());
  EXPECT_EQ(c.vision_layers, ref_.meta["vision_layers"].get<std::int64_t>());
  EXPECT_EQ(c.vision_width, ref_.meta["vision_width"].get<std::int64_t>());
  EXPECT_EQ(c.vision_patch, ref_.meta["patch"].get<std::int64_t>());
  EXPECT_EQ(c.context_length, ref_.meta["context"].get<std::int64_t>());
  EXPECT_EQ(c.vocab_size, ref_.meta["vocab"].get<std::int64_t>());
  EXPECT_EQ(c.text_width, ref_.meta["text_width"].get<std::int64_t>());
  EXPECT_EQ(c.text_layers, ref_.meta["text_layers"].get<std::int64_t>());
  EXPECT_EQ(c.vision_heads(), 2);
  EXPECT_EQ(c.text_heads(), 1);
}

TEST_F(ClipTiny, ParameterNamesAreTheStateDictKeys) {
  std::set<std::string> params;
  for (const auto& item : model_->named_parameters()) params.insert(item.key());
  std::set<std::string> keys;
  for (const auto& item : read_clip_state((dir_ / "weights.pt").string())) keys.insert(item.first);
  EXPECT_EQ(params, keys);
  EXPECT_TRUE(params.count("visual.transformer.resblocks.0.attn.in_proj_weight"));
  EXPECT_TRUE(params.count("transformer.resblocks.1.mlp.c_proj.bias"));
  EXPECT_EQ(keys.count("input_resolution"), 0u);
  EXPECT_EQ(model_->named_buffers().size(), 0u);
}

TEST_F(ClipTiny, ImageFeaturesMatchReference) {
  torch::NoGradGuard no_grad;
  test::expect_features_match(model_->encode_image(ref_.images), ref_.image_features);
}

// VPT-deep through the image-side seam: layer 0's prompts appended before ln_pre, layer 1's
// replacing them before block 1, against the reference's own implementation.
TEST_F(ClipTiny, VisualPromptsMatchReference) {
  const torch::Tensor prompts = test::read_raw(dir_ / "vpt_prompts.bin", {2, 3, 128}, torch::kFloat);
  const torch::Tensor expected =
      test::read_raw(dir_ / "vpt_image_features.bin", {ref_.images.size(0), 32}, torch::kFloat);
  torch::NoGradGuard no_grad;
  const torch::Tensor prompted = model_->encode_image_prompted(ref_.images, {prompts[0], prompts[1]});
  test::expect_features_match(prompted, expected);
  // The prompts matter: the plain tower's features are far from these.
  EXPECT_GT(max_abs_diff(model_->encode_image(ref_.images), expected), 1e-2);
  // No prompts is the plain tower; an undefined later layer carries layer 0's prompt tokens on.
  EXPECT_TRUE(torch::equal(model_->encode_image_prompted(ref_.images, {}), model_->encode_image(ref_.images)));
  const torch::Tensor carried = model_->encode_image_prompted(ref_.images, {prompts[0], torch::Tensor()});
  EXPECT_TRUE(torch::equal(carried, model_->encode_image_prompted(ref_.images, {prompts[0]})));
  EXPECT_GT(max_abs_diff(carried, prompted), 1e-3);
}

TEST_F(ClipTiny, VisualPromptsReceiveGradientsAndBadShapesAreRefused) {
  const torch::Tensor p0 = (0.1 * torch::randn({2, 128})).requires_grad_(true);
  const torch::Tensor p1 = (0.1 * torch::randn({2, 128})).requires_grad_(true);
  model_->encode_image_prompted(ref_.images, {p0, p1}).pow(2).sum().backward();
  EXPECT_GT(p0.grad().abs().sum().item<double>(), 0.0);
  EXPECT_GT(p1.grad().abs().sum().item<double>(), 0.0);
  EXPECT_THROW(model_->encode_image_prompted(ref_.images, {torch::zeros({2, 64})}), std::invalid_argument);
  EXPECT_THROW(model_->encode_image_prompted(ref_.images, {p0.detach(), torch::zeros({3, 128})}), std::invalid_argument);
  EXPECT_THROW(model_->encode_image_prompted(ref_.images, {p0.detach(), p0.detach(), p0.detach()}),
               std::invalid_argument);  // three layers of prompts for two vision layers
}

TEST_F(ClipTiny, TextPromptsMatchReference) {
  const torch::Tensor rows = test::read_raw(dir_ / "deep_text_rows.bin", {4}, torch::kLong);
  const torch::Tensor prompts = test::read_raw(dir_ / "deep_text_prompts.bin", {2, 2, 64}, torch::kFloat);
  const torch::Tensor expected = test::read_raw(dir_ / "deep_text_features.bin", {4, 32}, torch::kFloat);
  const torch::Tensor tokens = ref_.tokens.index_select(0, rows);
  const torch::Tensor eot = tokens.argmax(-1);
  // Layer 0's prompts are the learner's embeddings: the two after SOS.
  torch::Tensor embeddings = model_->embed_tokens(tokens).clone();
  embeddings.narrow(1, 1, 2).copy_(prompts[0].unsqueeze(0).expand({4, 2, 64}));
  torch::NoGradGuard no_grad;
  const torch::Tensor prompted = model_->encode_text_embeddings_prompted(embeddings, eot, {torch::Tensor(), prompts[1]});
  test::expect_features_match(prompted, expected);
  // The deep layer's prompts matter: without them the features are far from these.
  EXPECT_GT(max_abs_diff(model_->encode_text_embeddings(embeddings, eot), expected), 1e-2);
  // Prompts given per sequence equal shared ones; no prompts is the plain pass, truncated or not.
  const torch::Tensor per_sequence = prompts[1].unsqueeze(0).expand({4, 2, 64});
  EXPECT_LE(max_abs_diff(model_->encode_text_embeddings_prompted(embeddings, eot, {torch::Tensor(), per_sequence}), prompted),
            1e-6);
  EXPECT_TRUE(torch::equal(model_->encode_text_embeddings_prompted(embeddings, eot, {}),
                           model_->encode_text_embeddings(embeddings, eot)));
  model_->set_truncate_text(false);
  test::expect_features_match(model_->encode_text_embeddings_prompted(embeddings, eot, {torch::Tensor(), prompts[1]}),
                              expected);
}

TEST_F(ClipTiny, TextPromptsReceiveGradientsAndBadShapesAreRefused) {
  const torch::Tensor tokens = ref_.tokens.narrow(0, 0, 2);  // EOT at 4 and 11
  const torch::Tensor eot = tokens.argmax(-1);
  const torch::Tensor embeddings = model_->embed_tokens(tokens);
  const torch::Tensor p1 = (0.1 * torch::randn({3, 64})).requires_grad_(true);
  model_->encode_text_embeddings_prompted(embeddings, eot, {torch::Tensor(), p1}).pow(2).sum().backward();
  EXPECT_GT(p1.grad().abs().sum().item<double>(), 0.0);
  const torch::Tensor none;
  const auto refused = [&](const std::vector<torch::Tensor>& prompts, const std::string& words) {
    try {
      model_->encode_text_embeddings_prompted(embeddings, eot, prompts);
      ADD_FAILURE() << "accepted: " << words;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
    }
  };
  refused({torch::zeros({3, 64}), torch::zeros({3, 64})}, "layer 0 must be undefined");
  refused({none, torch::zeros({3, 32})}, "must be [n, 64]");
  refused({none, torch::zeros({5, 3, 64})}, "or [2, n, 64]");  // 5 sequences' prompts for 2
  refused({none, none, none}, "3 layers of text prompts for 2 text layers");
  refused({none, torch::zeros({4, 64})}, "reach a sequence's EOT at position 4");
}

// Recomputation (set_text_grad_chunk): the same features and gradients as one pass with a graph,
// for the embeddings, shared deep prompts and per-sequence deep prompts, whatever the chunk.
TEST_F(ClipTiny, RecomputedTextPassEqualsOnePass) {
  // Five sequences long enough to hold two prompt tokens after SOS (the reference has four: one twice).
  const torch::Tensor long_rows = (ref_.tokens.argmax(-1) > 3).nonzero().flatten();
  ASSERT_GE(long_rows.size(0), 4);
  const torch::Tensor tokens = ref_.tokens.index_select(0, long_rows.index_select(0, torch::tensor({0, 1, 2, 3, 1})));
  const torch::Tensor eot = tokens.argmax(-1);
  const torch::Tensor base = model_->embed_tokens(tokens).detach();
  torch::manual_seed(3);
  const torch::Tensor shared = 0.1 * torch::randn({2, 64}), own = 0.1 * torch::randn({5, 2, 64});
  const torch::Tensor weights = torch::randn({5, model_->config().embed_dim});
  EXPECT_EQ(model_->text_grad_chunk(), kDefaultTextGradChunk);
  struct Pass {
    torch::Tensor features, embeddings_grad, prompt_grad;
  };
  // The tiny model has two text layers: deep prompts (shared or per sequence) go into layer 1.
  const auto pass = [&](std::int64_t chunk, const torch::Tensor& prompt) {
    model_->set_text_grad_chunk(chunk);
    Pass p;
    const torch::Tensor e = base.clone().requires_grad_(true), d = prompt.clone().requires_grad_(true);
    p.features = model_->encode_text_embeddings_prompted(e, eot, {torch::Tensor(), d});
    (p.features * weights).sum().backward();
    p.embeddings_grad = e.grad();
    p.prompt_grad = d.grad();
    return p;
  };
  for (const torch::Tensor& prompt : {shared, own}) {
    const Pass one = pass(0, prompt);
    ASSERT_GT(one.prompt_grad.abs().sum().item<double>(), 0.0);
    for (std::int64_t chunk : {1, 2, 4}) {
      const Pass chunked = pass(chunk, prompt);
      const std::string what = "chunk " + std::to_string(chunk) + ", prompts " + c10::str(prompt.sizes());
      EXPECT_EQ(model_->text_grad_chunk(), chunk);
      // Float rounding only: matrix products over fewer rows may round differently.
      const auto relative = [](const torch::Tensor& a, const torch::Tensor& b) {
        return max_abs_diff(a, b) / b.abs().max().item<double>();
      };
      EXPECT_LE(relative(chunked.features, one.features), 1e-5) << what;
      EXPECT_LE(relative(chunked.embeddings_grad, one.embeddings_grad), 1e-5) << what;
      EXPECT_LE(relative(chunked.prompt_grad, one.prompt_grad), 1e-5) << what;
    }
  }
  // A chunk of at least the batch is the plain pass.
  const auto node = [&](std::int64_t chunk) {
    model_->set_text_grad_chunk(chunk);
    const torch::Tensor f = model_->encode_text_embeddings(base.clone().requires_grad_(true), eot);
    return f.grad_fn() ? f.grad_fn()->name() : std::string("none");
  };
  EXPECT_NE(node(4).find("RecomputedText"), std::string::npos) << node(4);
  EXPECT_EQ(node(5).find("RecomputedText"), std::string::npos) << node(5);
  EXPECT_EQ(node(0).find("RecomputedText"), std::string::npos) << node(0);
  EXPECT_THROW(model_->set_text_grad_chunk(-1), std::invalid_argument);
}

// Second derivatives through the recomputation (Hessian-vector products) equal the one-pass ones.
TEST_F(ClipTiny, RecomputedTextPassHasSecondDerivatives) {
  const torch::Tensor tokens = ref_.tokens.narrow(0, 0, 4);
  const torch::Tensor eot = tokens.argmax(-1);
  const torch::Tensor base = model_->embed_tokens(tokens).detach();
  torch::manual_seed(5);
  const torch::Tensor direction = torch::randn_like(base);
  const auto hessian_times_direction = [&](std::int64_t chunk) {
    model_->set_text_grad_chunk(chunk);
    const torch::Tensor e = base.clone().requires_grad_(true);
    const torch::Tensor loss = model_->encode_text_embeddings(e, eot).pow(2).sum();
    const auto g = torch::autograd::grad({loss}, {e}, {}, /*retain_graph=*/true, /*create_graph=*/true);
    return std::make_pair(g[0].detach(), torch::autograd::grad({(g[0] * direction).sum()}, {e})[0]);
  };
  const auto one = hessian_times_direction(0);
  const auto chunked = hessian_times_direction(3);
  ASSERT_GT(one.second.abs().max().item<double>(), 0.0);
  EXPECT_LE(max_abs_diff(chunked.first, one.first), 1e-5 * one.first.abs().max().item<double>());
  EXPECT_LE(max_abs_diff(chunked.second, one.second), 1e-4 * one.second.abs().max().item<double>());
}

TEST_F(ClipTiny, TextFeaturesMatchReference) {
  torch::NoGradGuard no_grad;
  test::expect_features_match(model_->encode_text(ref_.tokens), ref_.text_features);
  model_->set_truncate_text(false);
  EXPECT_LE(max_abs_diff(model_->encode_text(ref_.tokens), ref_.text_features), 1e-4);
}

TEST_F(ClipTiny, LogitScaleIsStoredAsLog) {
  EXPECT_NEAR(model_->logit_scale_exp().item<double>(), std::exp(ref_.meta["logit_scale"].get<double>()), 1e-3);
  EXPECT_NEAR(model_->logit_scale_exp().item<double>(), 1.0 / 0.07, 1e-3);
}

TEST_F(ClipTiny, TruncatedTextPassEqualsFullPass) {
  torch::NoGradGuard no_grad;
  ASSERT_TRUE(model_->truncate_text());  // on by default
  // Short prompts only, so truncation really cuts (longest EOT at 11 of 77).
  torch::Tensor ids = ref_.tokens.index({torch::tensor({0, 1, 2})});
  ASSERT_LT(ids.argmax(-1).max().item<std::int64_t>() + 1, 77);
  torch::Tensor truncated = model_->encode_text(ids);
  model_->set_truncate_text(false);
  torch::Tensor full = model_->encode_text(ids);
  EXPECT_LE(max_abs_diff(truncated, full), 1e-5);
  EXPECT_LE(max_abs_diff(full, ref_.text_features.index({torch::tensor({0, 1, 2})})), 1e-4);
}

TEST_F(ClipTiny, EmbeddingsPathEqualsTokenPath) {
  torch::NoGradGuard no_grad;
  torch::Tensor eot = ref_.tokens.argmax(-1);
  for (bool truncate : {true, false}) {
    model_->set_truncate_text(truncate);
    torch::Tensor via_ids = model_->encode_text(ref_.tokens);
    torch::Tensor embeddings = model_->embed_tokens(ref_.tokens);
    ASSERT_EQ(embeddings.sizes(), torch::IntArrayRef({ref_.tokens.size(0), 77, model_->config().text_width}));
    torch::Tensor via_embeddings = model_->encode_text_embeddings(embeddings, eot);
    EXPECT_LE(max_abs_diff(via_ids, via_embeddings), 1e-6) << "truncate=" << truncate;
  }
}

TEST_F(ClipTiny, GradientsFlowToEmbeddingsCausally) {
  torch::Tensor ids = ref_.tokens.index({torch::tensor({1})});  // EOT at position 11
  const std::int64_t eot = ids.argmax(-1).item<std::int64_t>();
  torch::Tensor embeddings = model_->embed_tokens(ids).detach().requires_grad_(true);
  model_->encode_text_embeddings(embeddings, ids.argmax(-1)).sum().backward();
  torch::Tensor grad_norm = embeddings.grad().norm(2, {2}).squeeze(0);  // [77]
  EXPECT_GT(grad_norm.narrow(0, 0, eot + 1).min().item<double>(), 0.0);
  EXPECT_EQ(grad_norm.narrow(0, eot + 1, 77 - eot - 1).abs().max().item<double>(), 0.0);
  for (const auto& p : model_->parameters()) EXPECT_FALSE(p.grad().defined());  // frozen
}

TEST_F(ClipTiny, Bf16RunsAndIsClose) {
  torch::NoGradGuard no_grad;
  model_->set_precision(Precision::kBf16);
  EXPECT_EQ(model_->precision(), Precision::kBf16);
  for (const auto& item : model_->named_parameters()) {
    const bool fp32 = item.key().find("ln_") != std::string::npos || item.key() == "logit_scale";
    EXPECT_EQ(item.value().scalar_type(), fp32 ? torch::kFloat : torch::kBFloat16) << item.key();
  }
  test::expect_bf16_image_close(model_->encode_image(ref_.images), ref_.image_features);
  const double image_scale = ref_.image_features.abs().max().item<double>();
  const double text_scale = ref_.text_features.abs().max().item<double>();
  EXPECT_LE(max_abs_diff(model_->encode_text(ref_.tokens), ref_.text_features), 0.08 * text_scale);
  model_->set_precision(Precision::kFp32);
  EXPECT_LE(max_abs_diff(model_->encode_image(ref_.images), ref_.image_features), 0.08 * image_scale);
}

TEST_F(ClipTiny, Fp16IsReferenceLayoutOrSkipsOnCpu) {
  torch::NoGradGuard no_grad;
  model_->set_precision(Precision::kFp16);
  for (const auto& item : model_->named_parameters()) {
    const bool fp32 = item.key().find("ln_") != std::string::npos || item.key() == "logit_scale";
    EXPECT_EQ(item.value().scalar_type(), fp32 ? torch::kFloat : torch::kHalf) << item.key();
  }
  torch::Tensor image;
  try {
    image = model_->encode_image(ref_.images);
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("fp16 is not supported on CPU"), std::string::npos) << e.what();
    GTEST_SKIP() << "fp16 inference needs Half matmul on CPU, absent in this LibTorch: " << e.what();
  }
  EXPECT_LE(max_abs_diff(image, ref_.image_features), 0.02 * ref_.image_features.abs().max().item<double>());
}

TEST_F(ClipTiny, RejectsBadInputs) {
  torch::NoGradGuard no_grad;
  EXPECT_THROW(model_->encode_image(torch::zeros({1, 3, 16, 16})), std::invalid_argument);
  EXPECT_THROW(model_->encode_text(torch::zeros({77}, torch::kLong)), std::invalid_argument);
  EXPECT_THROW(model_->encode_text_embeddings(torch::zeros({2, 77, 64}), torch::tensor({1, 77})),
               std::invalid_argument);
  EXPECT_THROW(model_->encode_text_embeddings(torch::zeros({2, 78, 64}), torch::tensor({1, 2})),
               std::invalid_argument);
  EXPECT_EQ(model_->encode_text(torch::zeros({0, 77}, torch::kLong)).size(0), 0);
}

TEST(ClipModel, FreshModelHasOpenAiLayout) {
  ClipConfig c;
  c.embed_dim = 16;
  c.image_resolution = 16;
  c.vision_patch = 8;
  c.vision_width = 64;
  c.vision_layers = 1;
  c.text_width = 64;
  c.text_layers = 3;
  c.vocab_size = 50;
  c.context_length = 10;
  ClipModel model(c);
  const auto params = model->named_parameters();
  EXPECT_EQ(params.size(), 3u + 4u + 4u + 12u * 1u + 12u * 3u + 1u + 2u);
  EXPECT_EQ(params["visual.positional_embedding"].sizes(), torch::IntArrayRef({5, 64}));
  EXPECT_EQ(params["transformer.resblocks.2.attn.in_proj_weight"].sizes(), torch::IntArrayRef({192, 64}));
  EXPECT_TRUE(params["logit_scale"].requires_grad());  // trainable until frozen by a loader or learner
  EXPECT_NEAR(model->logit_scale_exp().item<double>(), 1.0 / 0.07, 1e-3);
  const ClipConfig inferred = [&] {
    std::map<std::string, torch::Tensor> state;
    for (const auto& item : params) state[item.key()] = item.value();
    return infer_clip_config(state);
  }();
  EXPECT_EQ(inferred.text_layers, 3);
  EXPECT_EQ(inferred.image_resolution, 16);
  EXPECT_EQ(inferred.context_length, 10);
  torch::NoGradGuard no_grad;
  torch::Tensor ids = torch::tensor({{48, 5, 49, 0, 0, 0, 0, 0, 0, 0}}, torch::kLong);
  EXPECT_EQ(model->encode_text(ids).sizes(), torch::IntArrayRef({1, 16}));
  EXPECT_EQ(model->encode_image(torch::randn({2, 3, 16, 16})).sizes(), torch::IntArrayRef({2, 16}));
}

TEST(ClipModel, PrecisionNames) {
  EXPECT_EQ(parse_precision("fp32"), Precision::kFp32);
  EXPECT_EQ(parse_precision("fp16"), Precision::kFp16);
  EXPECT_EQ(parse_precision("bf16"), Precision::kBf16);
  for (Precision p : {Precision::kFp32, Precision::kFp16, Precision::kBf16}) EXPECT_EQ(parse_precision(to_string(p)), p);
  try {
    parse_precision("int8");
    FAIL() << "int8 accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("int8"), std::string::npos);
  }
}

}  // namespace
}  // namespace promptlab

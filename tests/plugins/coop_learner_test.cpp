// CoOp learner: context initialisation, prompt assembly (end/middle/front), CSC, logits, describe().
#include "promptlab/prompt/coop_learner.hpp"

#include <gtest/gtest.h>

#include "tiny_clip.hpp"

namespace promptlab {
namespace {

using test::max_abs_diff;
using torch::indexing::Slice;

class CoopLearnerTest : public ::testing::Test {
 protected:
  LearnerContext context(const std::string& init, bool csc = false, const std::string& position = "end") {
    LearnerContext ctx;
    ctx.clip = clip_;
    ctx.tokenizer = &tokenizer_;
    ctx.classnames = classnames_;
    ctx.prompt_template = "a photo of a {}.";
    ctx.config.set("coop.n_ctx", std::int64_t{4});
    ctx.config.set("coop.init", init);
    ctx.config.set("coop.csc", csc);
    ctx.config.set("coop.class_token_position", position);
    ctx.config.set("seed", std::int64_t{3});
    return ctx;
  }
  torch::Tensor ids_of(const std::string& text) {
    auto ids = tokenizer_.tokenize(text, static_cast<std::size_t>(clip_->config().context_length));
    return torch::tensor(ids, torch::kLong);
  }
  Tokenizer tokenizer_ = test::tiny_tokenizer();
  ClipModel clip_ = test::tiny_clip();
  std::vector<std::string> classnames_{"dog", "sea_lion", "cat"};
};

TEST_F(CoopLearnerTest, InitialContextIsTheTokenEmbeddingsOfTheInitText) {
  ASSERT_EQ(tokenizer_.encode("a photo of a").size(), 4u);
  CoopLearner learner(context("a photo of a"));
  EXPECT_EQ(learner.options().n_ctx, 4);
  EXPECT_EQ(learner.prompt_prefix(), "a photo of a");
  ASSERT_EQ(learner.context().sizes(), (std::vector<std::int64_t>{4, 128}));
  torch::Tensor want = clip_->embed_tokens(ids_of("a photo of a")).index({Slice(1, 5)});
  EXPECT_TRUE(torch::equal(learner.context().detach(), want));
  ASSERT_EQ(learner.trainable_parameters().size(), 1u);
  EXPECT_TRUE(learner.trainable_parameters()[0].requires_grad());
}

TEST_F(CoopLearnerTest, EndPromptsWithInitialContextEqualTheEmbeddedPromptText) {
  CoopLearner learner(context("a photo of a"));
  torch::Tensor prompts = learner.prompt_embeddings();
  ASSERT_EQ(prompts.sizes(), (std::vector<std::int64_t>{3, 16, 128}));
  const char* texts[] = {"a photo of a dog.", "a photo of a sea lion.", "a photo of a cat."};
  for (int c = 0; c < 3; ++c) {
    torch::Tensor ids = ids_of(texts[c]);
    EXPECT_TRUE(torch::equal(learner.tokens().ids[c], ids)) << texts[c];
    EXPECT_EQ(learner.tokens().eot[c].item<std::int64_t>(), ids.argmax().item<std::int64_t>());
    EXPECT_LT(max_abs_diff(prompts[c], clip_->embed_tokens(ids)), 1e-7) << texts[c];
  }
  // Text features from the assembled prompts equal encode_text of the same text.
  torch::Tensor direct = clip_->encode_text(torch::stack({ids_of(texts[0]), ids_of(texts[1]), ids_of(texts[2])}));
  direct = direct / direct.norm(2, -1, true);
  EXPECT_LT(max_abs_diff(learner.text_features(), direct), 1e-5);
}

TEST_F(CoopLearnerTest, MiddleAndFrontSplitContextAroundClassTokens) {
  CoopLearner mid(context("", false, "middle"));
  CoopLearner front(context("", false, "front"));
  ASSERT_EQ(mid.prompt_prefix(), "X X X X");
  EXPECT_TRUE(torch::equal(mid.context(), front.context()));  // same seed
  const torch::Tensor ctx = mid.context().detach();
  const torch::Tensor pm = mid.prompt_embeddings().detach();
  const torch::Tensor pf = front.prompt_embeddings().detach();
  const torch::Tensor sea_lion = torch::tensor(tokenizer_.encode("sea lion"), torch::kLong);
  const std::int64_t n = sea_lion.size(0);
  ASSERT_EQ(mid.tokens().name_lengths[1], n);
  const torch::Tensor name = clip_->embed_tokens(sea_lion);
  const torch::Tensor tail = clip_->embed_tokens(ids_of("X X X X sea lion.")).index({Slice(5 + n)});
  const torch::Tensor sos = clip_->embed_tokens(ids_of("")).index({Slice(0, 1)});
  // middle: [SOS, ctx0, ctx1, sea, lion, ctx2, ctx3, ".", EOT, ...]
  EXPECT_TRUE(torch::equal(pm[1].index({Slice(0, 1)}), sos));
  EXPECT_TRUE(torch::equal(pm[1].index({Slice(1, 3)}), ctx.index({Slice(0, 2)})));
  EXPECT_TRUE(torch::equal(pm[1].index({Slice(3, 3 + n)}), name));
  EXPECT_TRUE(torch::equal(pm[1].index({Slice(3 + n, 5 + n)}), ctx.index({Slice(2, 4)})));
  EXPECT_TRUE(torch::equal(pm[1].index({Slice(5 + n)}), tail));
  // front: [SOS, sea, lion, ctx0..ctx3, ".", EOT, ...]
  EXPECT_TRUE(torch::equal(pf[1].index({Slice(1, 1 + n)}), name));
  EXPECT_TRUE(torch::equal(pf[1].index({Slice(1 + n, 5 + n)}), ctx));
  EXPECT_TRUE(torch::equal(pf[1].index({Slice(5 + n)}), tail));
  // The EOT position is where the ids put it, whatever the order of the pieces.
  EXPECT_TRUE(torch::equal(mid.tokens().eot, front.tokens().eot));
}

TEST_F(CoopLearnerTest, RandomContextIsSeededWithStd002) {
  CoopLearner a(context(""));
  CoopLearner b(context(""));
  EXPECT_TRUE(torch::equal(a.context(), b.context()));
  const double std = a.context().std().item<double>();
  EXPECT_GT(std, 0.015);
  EXPECT_LT(std, 0.025);
  auto other = context("");
  other.config.set("seed", std::int64_t{4});
  EXPECT_FALSE(torch::equal(a.context(), CoopLearner(other).context()));
}

TEST_F(CoopLearnerTest, ClassSpecificContextHasOneContextPerClass) {
  CoopLearner learner(context("", true));
  EXPECT_EQ(learner.context().sizes(), (std::vector<std::int64_t>{3, 4, 128}));
  EXPECT_EQ(learner.prompt_embeddings().sizes(), (std::vector<std::int64_t>{3, 16, 128}));
  {
    torch::NoGradGuard g;
    learner.context()[2].add_(1.0);
  }
  torch::Tensor p = learner.prompt_embeddings().detach();
  EXPECT_TRUE(torch::equal(p[2].index({Slice(1, 5)}), learner.context()[2].detach()));
  EXPECT_FALSE(torch::equal(p[0].index({Slice(1, 5)}), learner.context()[2].detach()));
  EXPECT_EQ(learner.logits(torch::randn({5, 32})).sizes(), (std::vector<std::int64_t>{5, 3}));
  EXPECT_THROW(learner.set_classnames({"dog", "cat"}), std::invalid_argument);
  CoopLearner with_init(context("a photo of a", true));
  EXPECT_EQ(with_init.context().sizes(), (std::vector<std::int64_t>{3, 4, 128}));
}

TEST_F(CoopLearnerTest, LogitsAreScaledCosines) {
  CoopLearner learner(context("a photo of a"));
  torch::Tensor f = torch::randn({2, 32});
  torch::Tensor logits = learner.logits(f);
  torch::Tensor text = learner.text_features().detach();
  torch::Tensor want = (1.0 / 0.07) * (f / f.norm(2, -1, true)).matmul(text.t());
  EXPECT_LT(max_abs_diff(logits, want), 1e-4);
  logits.sum().backward();
  ASSERT_TRUE(learner.context().grad().defined());
  EXPECT_GT(learner.context().grad().abs().sum().item<double>(), 0.0);
  for (auto& p : clip_->parameters()) EXPECT_FALSE(p.grad().defined());
}

// Under bf16 the encoders compute in bf16 while the context, its gradient and the SGD state stay
// fp32; the logits stay close to fp32's.
TEST_F(CoopLearnerTest, Bf16EncodersLearnAnFp32Context) {
  const torch::Tensor f = torch::randn({2, 32});
  CoopLearner fp32(context("a photo of a"));
  const torch::Tensor want = fp32.logits(f).detach();
  clip_->set_precision(Precision::kBf16);
  CoopLearner learner(context("a photo of a"));
  EXPECT_EQ(learner.context().scalar_type(), torch::kFloat);
  // The same initial context, rounded once through the bf16 token embeddings.
  EXPECT_LT(max_abs_diff(learner.context(), fp32.context().to(torch::kBFloat16).to(torch::kFloat)), 1e-6);
  torch::Tensor logits = learner.logits(f);
  EXPECT_EQ(logits.scalar_type(), torch::kFloat);
  EXPECT_LT(max_abs_diff(logits.detach(), want), 0.25) << "bf16 logits drifted from fp32's";
  EXPECT_GT(max_abs_diff(logits.detach(), want), 0.0) << "the encoders did not run in bf16";
  logits.sum().backward();
  ASSERT_TRUE(learner.context().grad().defined());
  EXPECT_EQ(learner.context().grad().scalar_type(), torch::kFloat);
  EXPECT_GT(learner.context().grad().abs().sum().item<double>(), 0.0);
}

TEST_F(CoopLearnerTest, SetClassnamesKeepsContextAndRetokenizes) {
  CoopLearner learner(context("a photo of a"));
  {
    torch::NoGradGuard g;
    learner.context().add_(0.5);
  }
  torch::Tensor before = learner.context().detach().clone();
  learner.set_classnames({"photo", "dog"});
  EXPECT_TRUE(torch::equal(learner.context().detach(), before));
  EXPECT_TRUE(torch::equal(learner.tokens().ids[0], ids_of("a photo of a photo.")));
  EXPECT_EQ(learner.logits(torch::randn({1, 32})).size(1), 2);
}

TEST_F(CoopLearnerTest, DescribeNamesTheNearestTokens) {
  CoopLearner learner(context("a photo of a"));
  EXPECT_EQ(learner.describe(), "ctx: a photo of a");
}

Config complete_coop_config() {
  Config c;
  c.set("coop.n_ctx", std::int64_t{4});
  c.set("coop.init", std::string(""));
  c.set("coop.csc", true);
  c.set("coop.class_token_position", std::string("front"));
  c.set("seed", std::int64_t{2});
  return c;
}

TEST(CoopOptions, RejectsUnknownClassTokenPosition) {
  Config c = complete_coop_config();
  c.set("coop.class_token_position", std::string("left"));
  EXPECT_THROW(CoopOptions::from_config(c), ConfigError);
  EXPECT_EQ(parse_class_token_position("middle"), ClassTokenPosition::kMiddle);
}

TEST(CoopOptions, EveryKeyComesFromTheConfigAndAMissingOneIsNamed) {
  const Config complete = complete_coop_config();
  const CoopOptions o = CoopOptions::from_config(complete);
  EXPECT_EQ(o.n_ctx, 4);
  EXPECT_EQ(o.init, "");
  EXPECT_TRUE(o.csc);
  EXPECT_EQ(o.position, ClassTokenPosition::kFront);
  EXPECT_EQ(o.seed, 2u);
  // A learner with one shared context does not read coop.csc at all.
  Config without_csc;
  for (const auto& [key, value] : complete.entries())
    if (key != "coop.csc") without_csc.set(key, value);
  EXPECT_FALSE(CoopOptions::from_config(without_csc, /*with_csc=*/false).csc);
  for (const char* key : {"coop.n_ctx", "coop.init", "coop.csc", "coop.class_token_position", "seed"}) {
    Config c;
    for (const auto& [k, value] : complete.entries())
      if (k != key) c.set(k, value);
    try {
      CoopOptions::from_config(c);
      ADD_FAILURE() << "a config without " << key << " was accepted";
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find(key), std::string::npos) << e.what();
    }
  }
}

// encode_context_prompts (what CoOp and CoCoOp encode with): G contexts x every class, with
// [SOS, ctx] computed once per context, equal the assembled prompts encoded whole, and the
// gradient reaches each context.
TEST_F(CoopLearnerTest, ContextPromptsEqualTheAssembledPromptsEncodedWhole) {
  CoopLearner learner(context("a photo of a"));
  const PromptTokens& tokens = learner.tokens();
  torch::manual_seed(4);
  const torch::Tensor ctx0 = learner.context().detach().unsqueeze(0) + 0.1 * torch::randn({2, 4, 128});
  const torch::Tensor weights = torch::randn({6, clip_->config().embed_dim});
  const auto run = [&](bool shared) {
    const torch::Tensor ctx = ctx0.clone().requires_grad_(true);
    torch::Tensor features;
    if (shared) {
      features = encode_context_prompts(clip_, ctx, tokens);
    } else {
      const torch::Tensor per_class = ctx.unsqueeze(1).expand({2, 3, 4, 128});
      features = clip_->encode_text_embeddings(assemble_prompts(per_class, tokens, ClassTokenPosition::kEnd)
                                                   .reshape({6, tokens.embeddings.size(1), 128}),
                                               tokens.eot.repeat({2}));
    }
    (features * weights).sum().backward();
    return std::make_pair(features.detach(), ctx.grad());
  };
  const auto shared = run(true), whole = run(false);
  ASSERT_EQ(shared.first.sizes(), whole.first.sizes());
  EXPECT_LE(max_abs_diff(shared.first, whole.first), 1e-5 * whole.first.abs().max().item<double>());
  EXPECT_LE(max_abs_diff(shared.second, whole.second), 1e-5 * whole.second.abs().max().item<double>());
  EXPECT_GT(whole.second[1].abs().sum().item<double>(), 0.0);
  EXPECT_THROW(encode_context_prompts(clip_, torch::zeros({2, 3, 128}), tokens), std::invalid_argument);
}

}  // namespace
}  // namespace promptlab

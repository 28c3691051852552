#include "cocoop/cocoop_learner.hpp"

#include <stdexcept>

#include "promptlab/prompt/frozen_clip.hpp"
#include "promptlab/prompt/context_init.hpp"

namespace promptlab {

CocoopLearner::CocoopLearner(const LearnerContext& context)
    : clip_(context.clip), tokenizer_(context.tokenizer), options_(CoopOptions::from_config(context.config, /*with_csc=*/false)),
      device_(context.device) {
  if (!clip_) throw std::invalid_argument("cocoop learner: LearnerContext.clip is null");
  if (tokenizer_ == nullptr) throw std::invalid_argument("cocoop learner: LearnerContext.tokenizer is null");
  if (context.config.has("coop.csc") && context.config.get_bool("coop.csc")) {
    throw ConfigError("cocoop learner: coop.csc = true is not supported (CoCoOp uses one context)");
  }
  freeze_clip(clip_);
  InitialContext init = initial_context(clip_, *tokenizer_, options_, device_);
  options_.n_ctx = init.n_ctx;
  prefix_ = init.prefix;
  ctx_ = register_parameter("ctx", init.vectors.to(learned_dtype(clip_)).clone());
  meta_net_ = register_module("meta_net", MetaNet(clip_->config().embed_dim, clip_->config().text_width,
                                                  options_.seed ^ 0x6d657461ull));
  meta_net_->to(device_, ctx_.scalar_type());
  set_classnames(context.classnames);
}

void CocoopLearner::set_classnames(const std::vector<std::string>& classnames) {
  tokens_ = tokenize_prompts(clip_, *tokenizer_, prefix_, options_.n_ctx, classnames, device_);
}

std::vector<torch::Tensor> CocoopLearner::trainable_parameters() {
  std::vector<torch::Tensor> out{ctx_};
  for (auto& p : meta_net_->parameters()) out.push_back(p);
  return out;
}

torch::Tensor CocoopLearner::normalized(const torch::Tensor& image_features) const {
  torch::Tensor f = image_features.to(ctx_.options());
  return f / f.norm(2, -1, true);
}

torch::Tensor CocoopLearner::logits(const torch::Tensor& image_features) {
  const torch::Tensor f = normalized(image_features);  // [B, E]
  const std::int64_t batch = f.size(0);
  const std::int64_t n_cls = tokens_.embeddings.size(0);
  const std::int64_t n_ctx = ctx_.size(0);
  const std::int64_t width = ctx_.size(1);
  const torch::Tensor shifted = ctx_.unsqueeze(0) + meta_net_->forward(f).unsqueeze(1);  // [B, n_ctx, W]
  torch::Tensor text;
  if (options_.position == ClassTokenPosition::kEnd) {
    text = encode_context_prompts(clip_, shifted, tokens_);  // [SOS, ctx + bias] once per image
  } else {
    const torch::Tensor ctx = shifted.unsqueeze(1).expand({batch, n_cls, n_ctx, width});
    const torch::Tensor prompts = assemble_prompts(ctx, tokens_, options_.position);  // [B, n_cls, L, W]
    text = clip_->encode_text_embeddings(prompts.reshape({batch * n_cls, prompts.size(2), width}),
                                         tokens_.eot.repeat({batch}));
  }
  text = text.view({batch, n_cls, -1});
  text = text / text.norm(2, -1, true);
  const torch::Tensor scale = clip_->logit_scale_exp().to(text.options());
  return (scale * torch::bmm(text, f.to(text.options()).unsqueeze(2)).squeeze(2)).to(torch::kFloat);
}

torch::Tensor CocoopLearner::logits_per_image_loop(const torch::Tensor& image_features) {
  const torch::Tensor f = normalized(image_features);
  const torch::Tensor bias = meta_net_->forward(f);
  const std::int64_t n_cls = tokens_.embeddings.size(0);
  const torch::Tensor scale = clip_->logit_scale_exp();
  std::vector<torch::Tensor> rows;
  for (std::int64_t i = 0; i < f.size(0); ++i) {
    const torch::Tensor ctx_i = (ctx_ + bias[i]).unsqueeze(0).expand({n_cls, ctx_.size(0), ctx_.size(1)});
    torch::Tensor text = clip_->encode_text_embeddings(assemble_prompts(ctx_i, tokens_, options_.position), tokens_.eot);
    text = text / text.norm(2, -1, true);
    rows.push_back((scale.to(text.options()) * text.matmul(f[i].to(text.options()))).to(torch::kFloat));
  }
  return torch::stack(rows);
}

}  // namespace promptlab

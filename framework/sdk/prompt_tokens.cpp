#include "promptlab/prompt/prompt_tokens.hpp"

#include <stdexcept>

namespace promptlab {

std::string prompt_classname(const std::string& classname) {
  std::string out = classname;
  for (char& c : out) {
    if (c == '_') c = ' ';
  }
  return out;
}

PromptTokens tokenize_prompts(ClipModel& clip, const Tokenizer& tokenizer, const std::string& prefix,
                              std::int64_t n_ctx, const std::vector<std::string>& classnames,
                              const torch::Device& device) {
  if (classnames.empty()) throw std::invalid_argument("prompt learner: the class list is empty");
  const auto length = static_cast<std::size_t>(clip->config().context_length);
  PromptTokens out;
  out.n_ctx = n_ctx;
  std::vector<std::int64_t> flat;
  flat.reserve(classnames.size() * length);
  for (const auto& name : classnames) {
    const std::string shown = prompt_classname(name);
    out.name_lengths.push_back(static_cast<std::int64_t>(tokenizer.encode(shown).size()));
    const std::string text = prefix.empty() ? shown + "." : prefix + " " + shown + ".";
    std::vector<std::int64_t> ids = tokenizer.tokenize(text, length);
    flat.insert(flat.end(), ids.begin(), ids.end());
  }
  out.ids = torch::tensor(flat, torch::kLong)
                .view({static_cast<std::int64_t>(classnames.size()), static_cast<std::int64_t>(length)})
                .to(device);
  out.eot = out.ids.argmax(-1);
  torch::NoGradGuard no_grad;
  out.embeddings = clip->embed_tokens(out.ids).detach();
  return out;
}

torch::Tensor assemble_prompts(const torch::Tensor& learned_ctx, const PromptTokens& tokens,
                               ClassTokenPosition position) {
  // The prompts are in the model's dtype; a context learned in fp32 (under bf16) is cast into it,
  // and its gradient flows back in fp32.
  const torch::Tensor ctx = learned_ctx.to(tokens.embeddings.scalar_type());
  const std::int64_t n_cls = tokens.embeddings.size(0);
  const std::int64_t n_ctx = tokens.n_ctx;
  const std::int64_t width = tokens.embeddings.size(2);
  if (ctx.dim() < 3 || ctx.size(-3) != n_cls || ctx.size(-2) != n_ctx || ctx.size(-1) != width) {
    throw std::invalid_argument("assemble_prompts: context of shape " + c10::str(ctx.sizes()) + " does not match [.., " +
                                std::to_string(n_cls) + ", " + std::to_string(n_ctx) + ", " + std::to_string(width) +
                                "]");
  }
  auto lead = ctx.sizes().vec();
  lead.resize(lead.size() - 3);
  auto expand = [&](const torch::Tensor& t) {
    std::vector<std::int64_t> shape = lead;
    for (auto s : t.sizes()) shape.push_back(s);
    return t.expand(shape);
  };
  using torch::indexing::Slice;
  const torch::Tensor prefix = expand(tokens.embeddings.index({Slice(), Slice(0, 1)}));  // SOS
  const torch::Tensor suffix = expand(tokens.embeddings.index({Slice(), Slice(1 + n_ctx)}));
  const int cls_dim = static_cast<int>(lead.size());  // class axis in the expanded tensors
  const int seq_dim = cls_dim + 1;
  if (position == ClassTokenPosition::kEnd) return torch::cat({prefix, ctx, suffix}, seq_dim);

  std::vector<torch::Tensor> rows;
  rows.reserve(n_cls);
  const std::int64_t half = n_ctx / 2;
  for (std::int64_t i = 0; i < n_cls; ++i) {
    const std::int64_t len = tokens.name_lengths[i];
    auto pick = [&](const torch::Tensor& t, std::int64_t from, c10::optional<std::int64_t> to) {
      return t.narrow(cls_dim, i, 1).slice(seq_dim, from, to.value_or(t.size(seq_dim)));
    };
    const torch::Tensor pre = prefix.narrow(cls_dim, i, 1);
    const torch::Tensor name = pick(suffix, 0, len);
    const torch::Tensor rest = pick(suffix, len, c10::nullopt);
    if (position == ClassTokenPosition::kMiddle) {
      rows.push_back(torch::cat({pre, pick(ctx, 0, half), name, pick(ctx, half, c10::nullopt), rest}, seq_dim));
    } else {
      rows.push_back(torch::cat({pre, name, ctx.narrow(cls_dim, i, 1), rest}, seq_dim));
    }
  }
  return torch::cat(rows, cls_dim);
}

torch::Tensor encode_context_prompts(ClipModel& clip, const torch::Tensor& learned_ctx, const PromptTokens& tokens) {
  const torch::Tensor ctx = learned_ctx.to(tokens.embeddings.scalar_type());
  const std::int64_t n_cls = tokens.embeddings.size(0);
  const std::int64_t n_ctx = tokens.n_ctx;
  const std::int64_t width = tokens.embeddings.size(2);
  if (ctx.dim() != 3 || ctx.size(1) != n_ctx || ctx.size(2) != width) {
    throw std::invalid_argument("encode_context_prompts: context of shape " + c10::str(ctx.sizes()) +
                                " does not match [G, " + std::to_string(n_ctx) + ", " + std::to_string(width) + "]");
  }
  const std::int64_t groups = ctx.size(0);
  const torch::Tensor sos = tokens.embeddings.narrow(0, 0, 1).narrow(1, 0, 1).expand({groups, 1, width});
  const torch::Tensor rest = tokens.embeddings.narrow(1, 1 + n_ctx, tokens.embeddings.size(1) - 1 - n_ctx);
  const torch::Tensor suffix =
      rest.unsqueeze(0).expand({groups, n_cls, rest.size(1), width}).reshape({groups * n_cls, rest.size(1), width});
  return clip->encode_text_shared_prefix(torch::cat({sos, ctx}, 1), suffix, tokens.eot.repeat({groups}));
}

}  // namespace promptlab

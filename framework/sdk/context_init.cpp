#include "promptlab/prompt/context_init.hpp"

#include <ATen/CPUGeneratorImpl.h>

#include <sstream>

#include "promptlab/prompt/prompt_tokens.hpp"

namespace promptlab {

torch::Generator seeded_generator(std::uint64_t seed) { return at::detail::createCPUGenerator(seed); }

InitialContext initial_context(ClipModel& clip, const Tokenizer& tokenizer, const CoopOptions& options,
                               const torch::Device& device) {
  InitialContext out;
  torch::NoGradGuard no_grad;
  const auto length = static_cast<std::size_t>(clip->config().context_length);
  const torch::Tensor probe = clip->embed_tokens(torch::zeros({1}, torch::kLong).to(device));
  if (!options.init.empty()) {
    out.prefix = prompt_classname(options.init);
    std::istringstream words(out.prefix);
    std::string word;
    while (words >> word) ++out.n_ctx;
    if (out.n_ctx == 0) throw ConfigError("coop.init \"" + options.init + "\" holds no words");
    std::vector<std::int64_t> ids = tokenizer.tokenize(out.prefix, length);
    torch::Tensor emb = clip->embed_tokens(torch::tensor(ids, torch::kLong).to(device));
    out.vectors = emb.slice(0, 1, 1 + out.n_ctx).detach().clone();
    return out;
  }
  out.n_ctx = options.n_ctx;
  for (std::int64_t i = 0; i < out.n_ctx; ++i) out.prefix += (i == 0 ? "X" : " X");
  const std::int64_t width = clip->config().text_width;
  torch::Tensor v = torch::randn({out.n_ctx, width}, seeded_generator(options.seed), torch::kFloat) * 0.02;
  out.vectors = v.to(probe.options());
  return out;
}

}  // namespace promptlab

#include "promptlab/prompt/nearest_tokens.hpp"

#include <algorithm>

namespace promptlab {

std::vector<std::string> nearest_token_words(ClipModel& clip, const Tokenizer& tokenizer, const torch::Tensor& vectors) {
  torch::NoGradGuard no_grad;
  const std::int64_t vocab = std::min<std::int64_t>(clip->config().vocab_size,
                                                    static_cast<std::int64_t>(tokenizer.vocab_size()));
  torch::Tensor table =
      clip->embed_tokens(torch::arange(vocab, torch::TensorOptions().dtype(torch::kLong).device(vectors.device())))
          .to(torch::kFloat);
  table = table / table.norm(2, -1, true).clamp_min(1e-12);
  torch::Tensor v = vectors.to(torch::kFloat);
  v = v / v.norm(2, -1, true).clamp_min(1e-12);
  torch::Tensor best = v.matmul(table.t()).argmax(-1).cpu();
  std::vector<std::string> out;
  for (std::int64_t i = 0; i < best.size(0); ++i) {
    std::string word = tokenizer.decode({best[i].item<std::int64_t>()});
    const auto first = word.find_first_not_of(' ');
    const auto last = word.find_last_not_of(' ');
    out.push_back(first == std::string::npos ? word : word.substr(first, last - first + 1));
  }
  return out;
}

}  // namespace promptlab

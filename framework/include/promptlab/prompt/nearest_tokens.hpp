#pragma once
// SDK: reads learned context vectors back as words: the vocabulary token whose embedding
// has the highest cosine with each vector.
#include "promptlab/export.hpp"
#include <torch/torch.h>

#include <string>
#include <vector>

#include "promptlab/clip_model.hpp"
#include "promptlab/tokenizer.hpp"

namespace promptlab {

/// Nearest token (decoded, trimmed) for each row of vectors [N, width].
PROMPTLAB_API std::vector<std::string> nearest_token_words(ClipModel& clip, const Tokenizer& tokenizer, const torch::Tensor& vectors);

}  // namespace promptlab

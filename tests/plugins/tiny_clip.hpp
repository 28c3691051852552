#pragma once
// A tiny CLIP with seeded random weights and a tokenizer with a handful of merges, so
// that "a photo of a" is four single tokens. Shared by the learner tests.
#include <torch/torch.h>

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "promptlab/clip_model.hpp"
#include "promptlab/tokenizer.hpp"

namespace promptlab::test {

/// BPE merges making "photo" and "of" single tokens; vocab = 512 + merges + 2 specials.
inline Tokenizer tiny_tokenizer() {
  return Tokenizer::from_merges(
      {{"p", "h"}, {"ph", "o"}, {"pho", "t"}, {"phot", "o</w>"}, {"o", "f</w>"}, {"d", "o"}, {"do", "g</w>"}});
}

/// Architecture of the tiny model (vocab matches tiny_tokenizer()).
inline ClipConfig tiny_clip_config() {
  ClipConfig c;
  c.embed_dim = 32;
  c.image_resolution = 8;
  c.vision_layers = 1;
  c.vision_width = 64;
  c.vision_patch = 4;
  c.context_length = 16;
  c.vocab_size = 512 + 7 + 2;
  c.text_width = 128;  // two heads
  c.text_layers = 2;
  return c;
}

/// Tiny CLIP with every weight drawn from a generator seeded with `seed` (LayerNorm gains near 1).
inline ClipModel tiny_clip(std::uint64_t seed = 7) {
  ClipModel clip(tiny_clip_config());
  torch::NoGradGuard no_grad;
  torch::manual_seed(seed);
  for (auto& item : clip->named_parameters()) {
    const std::string& key = item.key();
    torch::Tensor p = item.value();
    if (key == "logit_scale") {
      p.fill_(std::log(1.0 / 0.07));
    } else if (key.find("ln") != std::string::npos && key.size() > 6 && key.substr(key.size() - 6) == "weight") {
      p.copy_(1.0 + 0.1 * torch::randn_like(p));
    } else if (key == "token_embedding.weight") {
      p.copy_(0.5 * torch::randn_like(p));
    } else {
      p.copy_(0.08 * torch::randn_like(p));
    }
    p.requires_grad_(false);
  }
  return clip;
}

/// The tensor as a flat vector of doubles.
inline std::vector<double> values(const torch::Tensor& t) {
  torch::Tensor c = t.detach().to(torch::kDouble).contiguous().cpu();
  return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
}

/// Largest absolute difference of two same-shaped tensors.
inline double max_abs_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a.detach().to(torch::kDouble) - b.detach().to(torch::kDouble)).abs().max().item<double>();
}

}  // namespace promptlab::test

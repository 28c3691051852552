// Architecture inference from an OpenAI-style CLIP state dict (docs/protocol.md §1).
#include <cmath>
#include <set>
#include <stdexcept>

#include "promptlab/clip_model.hpp"

namespace promptlab {
namespace {

using State = std::map<std::string, torch::Tensor>;

const torch::Tensor& require(const State& state, const std::string& key, std::int64_t dims) {
  auto it = state.find(key);
  if (it == state.end()) throw std::runtime_error("missing key '" + key + "'");
  if (it->second.dim() != dims) {
    throw std::runtime_error("key '" + key + "' has shape " + c10::str(it->second.sizes()) + ", expected a " +
                             std::to_string(dims) + "-d tensor");
  }
  return it->second;
}

bool has_prefix(const State& state, const std::string& prefix) {
  auto it = state.lower_bound(prefix);
  return it != state.end() && it->first.compare(0, prefix.size(), prefix) == 0;
}

// Number of blocks "<prefix>N.<suffix>" (any key under N when `suffix` is empty); throws
// unless they are numbered 0..n-1.
std::int64_t count_blocks(const State& state, const std::string& prefix, const std::string& suffix) {
  std::set<std::int64_t> ids;
  for (auto it = state.lower_bound(prefix); it != state.end() && it->first.compare(0, prefix.size(), prefix) == 0;
       ++it) {
    const std::string rest = it->first.substr(prefix.size());
    const auto dot = rest.find('.');
    if (dot == std::string::npos || dot == 0) continue;
    if (!suffix.empty() && rest.substr(dot + 1) != suffix) continue;
    try {
      ids.insert(std::stoll(rest.substr(0, dot)));
    } catch (const std::exception&) {
      throw std::runtime_error("unexpected key '" + it->first + "'");
    }
  }
  if (ids.empty()) throw std::runtime_error("no blocks under '" + prefix + "'");
  const auto n = static_cast<std::int64_t>(ids.size());
  if (*ids.begin() != 0 || *ids.rbegin() != n - 1) {
    throw std::runtime_error("blocks under '" + prefix + "' are not numbered 0.." + std::to_string(n - 1));
  }
  return n;
}

// Side of the square token grid of a positional embedding [grid*grid + 1, width].
std::int64_t grid_of(const State& state, const std::string& key) {
  const torch::Tensor& pos = require(state, key, 2);
  const auto grid = static_cast<std::int64_t>(std::llround(std::sqrt(static_cast<double>(pos.size(0) - 1))));
  if (grid * grid + 1 != pos.size(0)) {
    throw std::runtime_error("key '" + key + "' has " + std::to_string(pos.size(0)) +
                             " rows, expected grid*grid + 1");
  }
  return grid;
}

void infer_vit(const State& state, ClipConfig& c) {
  const torch::Tensor& conv1 = require(state, "visual.conv1.weight", 4);
  if (conv1.size(1) != 3 || conv1.size(2) != conv1.size(3)) {
    throw std::runtime_error("key 'visual.conv1.weight' has shape " + c10::str(conv1.sizes()) +
                             ", expected [width, 3, patch, patch]");
  }
  c.vision_kind = VisionKind::kViT;
  c.vision_width = conv1.size(0);
  c.vision_patch = conv1.size(3);
  c.image_resolution = c.vision_patch * grid_of(state, "visual.positional_embedding");
  c.vision_layers = count_blocks(state, "visual.transformer.resblocks.", "attn.in_proj_weight");
}

// OpenAI's modified ResNet: stages visual.layer1..4 of Bottleneck blocks, then an attention pool.
void infer_resnet(const State& state, ClipConfig& c) {
  c.vision_kind = VisionKind::kResNet;
  c.vision_width = require(state, "visual.layer1.0.conv1.weight", 4).size(0);
  c.vision_layers = 0;
  for (std::size_t i = 0; i < c.resnet_layers.size(); ++i) {
    c.resnet_layers[i] = count_blocks(state, "visual.layer" + std::to_string(i + 1) + ".", "");
    c.vision_layers += c.resnet_layers[i];
  }
  c.vision_patch = 32;
  c.image_resolution = c.vision_patch * grid_of(state, "visual.attnpool.positional_embedding");
  const std::int64_t pool_width = require(state, "visual.attnpool.positional_embedding", 2).size(1);
  if (pool_width != c.vision_width * 32) {
    throw std::runtime_error("key 'visual.attnpool.positional_embedding' has " + std::to_string(pool_width) +
                             " columns, expected 32 x the width " + std::to_string(c.vision_width));
  }
}

}  // namespace

ClipConfig infer_clip_config(const State& state) {
  ClipConfig c;
  if (state.count("visual.proj") != 0) {
    infer_vit(state, c);
  } else if (has_prefix(state, "visual.layer1.") || has_prefix(state, "visual.attnpool.")) {
    infer_resnet(state, c);
  } else {
    throw std::runtime_error(
        "missing key 'visual.proj' (not a CLIP ViT state dict, and no ResNet keys 'visual.layer1.*' / "
        "'visual.attnpool.*' either)");
  }
  c.embed_dim = require(state, "text_projection", 2).size(1);
  c.context_length = require(state, "positional_embedding", 2).size(0);
  c.vocab_size = require(state, "token_embedding.weight", 2).size(0);
  c.text_width = require(state, "ln_final.weight", 1).size(0);
  c.text_layers = count_blocks(state, "transformer.resblocks.", "");
  if (c.vision_kind == VisionKind::kResNet) {
    const std::int64_t out = require(state, "visual.attnpool.c_proj.weight", 2).size(0);
    if (out != c.embed_dim) {
      throw std::runtime_error("key 'visual.attnpool.c_proj.weight' has " + std::to_string(out) +
                               " rows but 'text_projection' projects to " + std::to_string(c.embed_dim));
    }
  }
  return c;
}

}  // namespace promptlab

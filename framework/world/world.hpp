#pragma once
// The embedded world's pretraining stream: (image, caption) pairs by seed and index.
#include <cstdint>
#include <string>
#include <vector>

#include "promptlab/image.hpp"
#include "world/scene.hpp"

namespace promptlab::world {

/// One pretraining pair.
struct WorldSample {
  Scene scene;
  Image image;
  std::string caption;
};

/// The scene distribution used for pretraining (long tail, Fashion train split only).
SceneSpec pretrain_spec();

/// The scene distribution of pretraining group `group` of stream `seed`. Consecutive samples
/// [g * group_size, (g + 1) * group_size) form a contrast group: most groups share every
/// attribute but one (object, pattern or colour), so that a batch can only be told apart by
/// that attribute and none of them is left unlearned; the rest are independent draws.
SceneSpec pretrain_group_spec(std::uint64_t seed, std::uint64_t group);

/// Sample `index` of the pretraining stream `seed`; identical for identical arguments.
/// `group_size` 1 draws every sample independently.
WorldSample pretrain_sample(std::uint64_t seed, std::uint64_t index, int resolution = 64, int group_size = 1);

/// Captions of samples [0, n) of stream `seed` (no rendering), e.g. to learn BPE merges.
std::vector<std::string> caption_corpus(std::uint64_t seed, std::size_t n, int group_size = 1);

}  // namespace promptlab::world

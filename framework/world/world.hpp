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

/// Sample `index` of the pretraining stream `seed`; identical for identical arguments.
WorldSample pretrain_sample(std::uint64_t seed, std::uint64_t index, int resolution = 64);

/// Captions of samples [0, n) of stream `seed` (no rendering), e.g. to learn BPE merges.
std::vector<std::string> caption_corpus(std::uint64_t seed, std::size_t n);

}  // namespace promptlab::world

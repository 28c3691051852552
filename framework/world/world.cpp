// The pretraining stream.
#include "world/world.hpp"

#include "world/captioner.hpp"
#include "world/renderer.hpp"

namespace promptlab::world {

SceneSpec pretrain_spec() {
  SceneSpec spec;
  spec.long_tail = true;
  spec.fashion_rate = 0.35;
  spec.distractor_rate = 0.25;
  spec.fashion_source = FashionSource::kTrain;
  return spec;
}

WorldSample pretrain_sample(std::uint64_t seed, std::uint64_t index, int resolution) {
  Rng rng(mix_seed(seed, index));
  WorldSample s;
  s.scene = sample_scene(rng, pretrain_spec());
  s.caption = caption_scene(s.scene, rng);
  s.image = render_scene(s.scene, resolution);
  return s;
}

std::vector<std::string> caption_corpus(std::uint64_t seed, std::size_t n) {
  std::vector<std::string> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    Rng rng(mix_seed(seed, i));
    Scene scene = sample_scene(rng, pretrain_spec());
    out.push_back(caption_scene(scene, rng));
  }
  return out;
}

}  // namespace promptlab::world

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

SceneSpec pretrain_group_spec(std::uint64_t seed, std::uint64_t group) {
  constexpr std::uint64_t kGroupStream = 0x67a0c0de5eedull;
  Rng rng(mix_seed(seed ^ kGroupStream, group));
  SceneSpec spec = pretrain_spec();
  const double kind = rng.uniform(0.0, 1.0);
  if (kind >= 0.80) return spec;  // independent draws
  const Scene anchor = sample_scene(rng, spec);
  // Size and position are shared too: otherwise "in the top left" or "big" would tell the
  // members apart and the varied attribute could still be ignored.
  spec.size = anchor.main.size;
  spec.position = anchor.main.position;
  if (kind < 0.40) {  // tell apart by object: same colour, pattern and background
    spec.colour = anchor.main.colour;
    spec.pattern = anchor.main.pattern;
    spec.background = anchor.background;
  } else if (kind < 0.65) {  // by pattern
    spec.object = anchor.main.object;
    spec.colour = anchor.main.colour;
    spec.background = anchor.background;
  } else {  // by colour (the background follows the colour, as always)
    spec.object = anchor.main.object;
    spec.pattern = anchor.main.pattern;
  }
  return spec;
}

namespace {

SceneSpec sample_spec(std::uint64_t seed, std::uint64_t index, int group_size) {
  return group_size > 1 ? pretrain_group_spec(seed, index / static_cast<std::uint64_t>(group_size)) : pretrain_spec();
}

}  // namespace

WorldSample pretrain_sample(std::uint64_t seed, std::uint64_t index, int resolution, int group_size) {
  Rng rng(mix_seed(seed, index));
  WorldSample s;
  s.scene = sample_scene(rng, sample_spec(seed, index, group_size));
  s.caption = caption_scene(s.scene, rng);
  s.image = render_scene(s.scene, resolution);
  return s;
}

std::vector<std::string> caption_corpus(std::uint64_t seed, std::size_t n, int group_size) {
  std::vector<std::string> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    Rng rng(mix_seed(seed, i));
    Scene scene = sample_scene(rng, sample_spec(seed, i, group_size));
    out.push_back(caption_scene(scene, rng));
  }
  return out;
}

}  // namespace promptlab::world

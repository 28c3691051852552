// Drawing scenes from the pretraining or the downstream distribution.
#include "world/scene.hpp"

#include <cmath>
#include <vector>

#include "world/fashion_mnist.hpp"
#include "world/vocabulary.hpp"

namespace promptlab::world {
namespace {

constexpr float kPi = 3.14159265f;

template <typename C>
int pick(Rng& rng, const std::vector<C>& concepts, bool long_tail) {
  if (!long_tail) return static_cast<int>(rng.below(static_cast<std::uint32_t>(concepts.size())));
  std::vector<double> w;
  w.reserve(concepts.size());
  for (const auto& c : concepts) w.push_back(c.frequency);
  return static_cast<int>(rng.weighted(w));
}

float colour_distance(const ColourConcept& c, const BackgroundConcept& b) {
  float dr = float(c.r) - float(b.r), dg = float(c.g) - float(b.g), db = float(c.b) - float(b.b);
  return std::sqrt(dr * dr + dg * dg + db * db);
}

void place(Rng& rng, ObjectSpec& o) {
  static const float kLo[3] = {16.f, 24.f, 34.f};
  static const float kHi[3] = {22.f, 32.f, 44.f};
  o.extent = static_cast<float>(rng.uniform(kLo[o.size], kHi[o.size]));
  float half = o.extent / 2.f;
  float jitter_x = static_cast<float>(rng.uniform(-3.0, 3.0));
  float jitter_y = static_cast<float>(rng.uniform(-3.0, 3.0));
  float lo = half + 2.f, hi = 64.f - half - 2.f;
  switch (o.position) {
    case 0: o.cx = 32.f + jitter_x; o.cy = 32.f + jitter_y; break;
    case 1: o.cx = lo + std::fabs(jitter_x); o.cy = lo + std::fabs(jitter_y); break;
    case 2: o.cx = hi - std::fabs(jitter_x); o.cy = lo + std::fabs(jitter_y); break;
    case 3: o.cx = lo + std::fabs(jitter_x); o.cy = hi - std::fabs(jitter_y); break;
    default: o.cx = hi - std::fabs(jitter_x); o.cy = hi - std::fabs(jitter_y); break;
  }
  float max_deg = is_fashion(o.object) ? 12.f : 40.f;
  o.angle = static_cast<float>(rng.uniform(-max_deg, max_deg)) * kPi / 180.f;
}

}  // namespace

bool is_rare_pair(int object, int colour) {
  std::uint64_t h = mix_seed(0x5eed0fa1ull, static_cast<std::uint64_t>(object) * 64u + static_cast<std::uint64_t>(colour));
  return h % 4u == 0u;
}

Scene sample_scene(Rng& rng, const SceneSpec& spec) {
  Scene s;
  s.fashion_source = spec.fashion_source;
  ObjectSpec& o = s.main;
  if (spec.object >= 0) {
    o.object = spec.object;
  } else if (rng.bernoulli(spec.fashion_rate)) {
    o.object = num_shapes() + pick(rng, fashion_concepts(), spec.long_tail);
  } else {
    o.object = pick(rng, shape_concepts(), spec.long_tail);
  }
  const auto& colours = colour_concepts();
  if (spec.colour >= 0) {
    o.colour = spec.colour;
  } else if (spec.long_tail) {
    std::vector<double> w;
    for (std::size_t c = 0; c < colours.size(); ++c)
      w.push_back(colours[c].frequency * (is_rare_pair(o.object, static_cast<int>(c)) ? 0.08 : 1.0));
    o.colour = static_cast<int>(rng.weighted(w));
  } else {
    o.colour = pick(rng, colours, false);
  }
  o.pattern = spec.pattern >= 0 ? spec.pattern : pick(rng, pattern_concepts(), spec.long_tail);
  o.size = spec.size >= 0 ? spec.size : static_cast<int>(rng.below(3));
  o.position = spec.position >= 0 ? spec.position : pick(rng, position_concepts(), spec.long_tail);
  place(rng, o);
  if (is_fashion(o.object)) {
    const FashionSplit& split = spec.fashion_source == FashionSource::kTrain ? fashion_train() : fashion_test();
    const auto& pool = split.by_label[static_cast<std::size_t>(o.object - num_shapes())];
    o.fashion_index = spec.fashion_index >= 0 ? spec.fashion_index
                                              : pool[rng.below(static_cast<std::uint32_t>(pool.size()))];
  }
  const auto& backgrounds = background_concepts();
  if (spec.background >= 0) {
    s.background = spec.background;
  } else {
    std::vector<double> w;
    for (const auto& b : backgrounds) w.push_back(colour_distance(colours[o.colour], b) > 110.f ? 1.0 : 0.0);
    s.background = static_cast<int>(rng.weighted(w));
  }
  if (rng.bernoulli(spec.distractor_rate)) {
    s.has_distractor = true;
    ObjectSpec& d = s.distractor;
    do {
      d.object = static_cast<int>(rng.below(static_cast<std::uint32_t>(num_shapes())));
    } while (d.object == o.object);
    do {
      d.colour = static_cast<int>(rng.below(static_cast<std::uint32_t>(colours.size())));
    } while (d.colour == o.colour || colour_distance(colours[d.colour], backgrounds[s.background]) < 90.f);
    d.pattern = 0;
    d.size = 0;
    d.position = 1 + static_cast<int>(rng.below(4));
    if (d.position == o.position) d.position = 1 + (d.position % 4);
    place(rng, d);
    d.extent = static_cast<float>(rng.uniform(14.0, 16.0));
  }
  s.detail_seed = rng.next_u64();
  return s;
}

}  // namespace promptlab::world

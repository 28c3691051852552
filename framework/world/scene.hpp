#pragma once
// A scene of the embedded world: one main object, a background, maybe a distractor.
#include <cstdint>

#include "util/rng.hpp"

namespace promptlab::world {

/// Which Fashion-MNIST split a scene's item image comes from.
enum class FashionSource { kTrain, kTest };

/// One object placed in a scene (coordinates in 64-pixel units).
struct ObjectSpec {
  int object = 0;    // shape id, or num_shapes() + Fashion label
  int colour = 0;    // colour id
  int pattern = 0;   // pattern id (0 = solid)
  int size = 1;      // 0 small, 1 medium, 2 large
  int position = 0;  // position id
  float cx = 32, cy = 32;
  float extent = 28;      // diameter
  float angle = 0;        // radians
  int fashion_index = -1;  // image index in the Fashion split (items only)
};

/// A complete scene description; rendering it is deterministic.
struct Scene {
  ObjectSpec main;
  int background = 0;
  bool has_distractor = false;
  ObjectSpec distractor;
  FashionSource fashion_source = FashionSource::kTrain;
  std::uint64_t detail_seed = 0;  // background texture phase and pixel noise
};

/// Fixed attributes for a scene draw; -1 leaves an attribute to chance.
struct SceneSpec {
  int object = -1, colour = -1, pattern = -1, size = -1, position = -1, background = -1;
  /// Pretraining distribution (long-tailed concepts, rare object-colour pairs) when true;
  /// uniform over concepts otherwise (downstream datasets).
  bool long_tail = false;
  /// Probability that a drawn object is a Fashion-MNIST item (when object is -1).
  double fashion_rate = 0.35;
  /// Probability of a distractor.
  double distractor_rate = 0.25;
  FashionSource fashion_source = FashionSource::kTrain;
  /// When >= 0, the Fashion image index to use (items only); drawn at random otherwise.
  int fashion_index = -1;
};

/// Draws a scene. Deterministic given the rng state.
Scene sample_scene(Rng& rng, const SceneSpec& spec);

/// True when object `object` with colour `colour` is a rare (down-weighted) pair in pretraining.
bool is_rare_pair(int object, int colour);

}  // namespace promptlab::world

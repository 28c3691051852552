#pragma once
// The embedded world's concepts (shapes, Fashion-MNIST items, colours, patterns,
// backgrounds) with the words captions use for them.
#include <cstdint>
#include <string>
#include <vector>

namespace promptlab::world {

/// Version of the world's content; part of every embedded dataset's content_key.
inline constexpr const char* kWorldVersion = "world-v1";

/// A word or phrase with its relative frequency in captions.
struct Synonym {
  std::string text;
  double weight = 1.0;
};

/// One concept: a stable key plus caption synonyms (most common first).
struct Concept {
  std::string key;
  std::vector<Synonym> synonyms;
  /// Relative frequency in the pretraining distribution (long tail).
  double frequency = 1.0;
};

/// An RGB colour concept.
struct ColourConcept : Concept {
  std::uint8_t r = 0, g = 0, b = 0;
};

/// A background concept: a base colour and a texture id.
struct BackgroundConcept : Concept {
  std::uint8_t r = 0, g = 0, b = 0;
  int texture = 0;  // 0 plain, 1 grain (vertical), 2 tiles, 3 blades, 4 marbling, 5 fog
};

/// Geometric shapes, in kind order (ids 0..kNumShapes-1).
const std::vector<Concept>& shape_concepts();
/// Fashion-MNIST items, by Fashion-MNIST label (object ids kNumShapes..).
const std::vector<Concept>& fashion_concepts();
/// Colours.
const std::vector<ColourConcept>& colour_concepts();
/// Patterns (0 = solid).
const std::vector<Concept>& pattern_concepts();
/// Backgrounds.
const std::vector<BackgroundConcept>& background_concepts();
/// Size words (small, medium, large).
const std::vector<Concept>& size_concepts();
/// Position words (centre, top left, top right, bottom left, bottom right).
const std::vector<Concept>& position_concepts();

/// Number of geometric shapes.
int num_shapes();
/// Number of objects: shapes then the ten Fashion-MNIST items.
int num_objects();
/// Concept of object id (shape or Fashion item).
const Concept& object_concept(int object);
/// True when the object id is a Fashion-MNIST item.
bool is_fashion(int object);

/// Caption-time confusions: with probability `rate`, concept `from` is captioned with
/// one of the `to` concept's synonyms (systematic, never random noise).
struct Confusion {
  int from = 0;
  int to = 0;
  double rate = 0;
};
/// Object confusions (object ids).
const std::vector<Confusion>& object_confusions();
/// Colour confusions (colour ids).
const std::vector<Confusion>& colour_confusions();

}  // namespace promptlab::world

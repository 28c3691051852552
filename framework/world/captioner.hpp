#pragma once
// Captions for scenes: many templates and synonyms, systematic (never random) confusions.
#include <string>
#include <vector>

#include "util/rng.hpp"
#include "world/scene.hpp"

namespace promptlab::world {

/// Share of captions that name only the object ("a pentagon").
inline constexpr double kObjectOnlyCaptionRate = 0.2;
/// Share of captions that name only the pattern and the object ("a striped pentagon").
inline constexpr double kPatternObjectCaptionRate = 0.1;

/// A caption for `scene`: an object-only or pattern-and-object caption at the rates above,
/// else one of the templates. Deterministic given the rng state.
std::string caption_scene(const Scene& scene, Rng& rng);

/// Number of caption templates.
int num_caption_templates();

/// The word used for an object in captions, after the systematic confusions.
std::string object_word(int object, Rng& rng);
/// The word used for a colour in captions, after the systematic confusions.
std::string colour_word(int colour, Rng& rng);

}  // namespace promptlab::world

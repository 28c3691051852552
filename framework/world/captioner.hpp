#pragma once
// Captions for scenes: many templates and synonyms, systematic (never random) confusions.
#include <string>
#include <vector>

#include "util/rng.hpp"
#include "world/scene.hpp"

namespace promptlab::world {

/// A caption for `scene`. Deterministic given the rng state.
std::string caption_scene(const Scene& scene, Rng& rng);

/// Number of caption templates.
int num_caption_templates();

/// The word used for an object in captions, after the systematic confusions.
std::string object_word(int object, Rng& rng);
/// The word used for a colour in captions, after the systematic confusions.
std::string colour_word(int colour, Rng& rng);

}  // namespace promptlab::world

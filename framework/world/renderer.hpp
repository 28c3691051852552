#pragma once
// Renders a scene to an RGB image.
#include "promptlab/image.hpp"
#include "world/scene.hpp"

namespace promptlab::world {

/// Draws `scene` at `resolution` x `resolution` pixels (geometry is defined at 64 px and
/// scaled). Deterministic: the same scene always gives the same pixels.
Image render_scene(const Scene& scene, int resolution = 64);

}  // namespace promptlab::world

#pragma once
// Inside tests of the world's geometric shapes in local coordinates.

namespace promptlab::world {

/// True when local point (u, v) (u right, v up, shape spans about [-1, 1]^2) lies
/// inside shape `shape` (0..num_shapes()-1). Unknown ids are never inside.
bool shape_contains(int shape, float u, float v);

}  // namespace promptlab::world

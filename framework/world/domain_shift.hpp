#pragma once
// Shifted renderings of the embedded world for the domain-generalisation protocol (dg-tiny):
// the same classes drawn another way, as ImageNet-Sketch, -A and -R redraw ImageNet's.
#include <cstdint>
#include <string>

#include "promptlab/image.hpp"

namespace promptlab::world {

/// How a test-only dataset redraws its source's images.
enum class DomainShift {
  kNone,
  kSketch,  // grey pencil-like edges on white: colour and texture gone, outlines kept
  kNoisy,   // strong per-pixel noise
  kClutter  // a distractor in every picture and strong noise (used on a subset of the classes)
};

/// "none", "sketch", "noisy", "clutter".
std::string to_string(DomainShift shift);

/// Applies the pixel part of `shift` to `image` (kClutter's distractor is part of the scene);
/// `seed` makes the noise deterministic per item.
Image apply_domain_shift(const Image& image, DomainShift shift, std::uint64_t seed);

}  // namespace promptlab::world

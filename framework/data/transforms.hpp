#pragma once
// The protocol's image transforms (PROTOCOL.md §6) and CLIP normalisation.
#include <torch/torch.h>

#include "promptlab/image.hpp"
#include "util/rng.hpp"

namespace promptlab {

/// CLIP's normalisation constants.
inline constexpr float kClipMean[3] = {0.48145466f, 0.4578275f, 0.40821073f};
inline constexpr float kClipStd[3] = {0.26862954f, 0.26130258f, 0.27577711f};

/// Bicubic resize matching PIL's Image.resize(BICUBIC) (antialiased when shrinking).
Image resize_bicubic(const Image& image, int width, int height);
/// Crops a rectangle (clamped to the image).
Image crop(const Image& image, int x, int y, int width, int height);
/// HWC uint8 -> CHW float tensor in [0,1], then (x - mean) / std.
torch::Tensor to_normalized_tensor(const Image& image);

/// Test transform: resize the shorter side to `resolution` (bicubic), centre crop, normalise.
torch::Tensor test_transform(const Image& image, int resolution);
/// Train transform: random resized crop (scale 0.08-1, ratio 3/4-4/3) to `resolution`,
/// random horizontal flip, normalise. Deterministic given rng's state.
torch::Tensor train_transform(const Image& image, int resolution, Rng& rng);

}  // namespace promptlab

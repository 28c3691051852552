#pragma once
// The protocol's image transforms (docs/protocol.md §6) and CLIP normalisation.
#include <torch/torch.h>

#include "promptlab/image.hpp"
#include "util/rng.hpp"

namespace promptlab {

/// CLIP's normalisation constants.
inline constexpr float kClipMean[3] = {0.48145466f, 0.4578275f, 0.40821073f};
inline constexpr float kClipStd[3] = {0.26862954f, 0.26130258f, 0.27577711f};

/// Bicubic resize matching PIL's Image.resize(BICUBIC) (antialiased when shrinking).
Image resize_bicubic(const Image& image, int width, int height);
/// resize_bicubic followed by a crop of the result, computing only the cropped pixels
/// (identical output to crop(resize_bicubic(image, width, height), ...)). The window must lie inside.
Image resize_bicubic_crop(const Image& image, int width, int height, int crop_x, int crop_y, int crop_width,
                          int crop_height);
/// Crops a rectangle (clamped to the image).
Image crop(const Image& image, int x, int y, int width, int height);
/// Mirrors the image left-right.
Image flip_horizontal(const Image& image);
/// HWC uint8 -> CHW float tensor in [0,1], then (x - mean) / std.
torch::Tensor to_normalized_tensor(const Image& image);

/// Where the test transform resizes to and where its centre crop starts (torchvision's arithmetic).
struct ResizeCropPlan {
  int resize_width = 0;   ///< width after resizing the shorter side to the resolution
  int resize_height = 0;  ///< height after resizing
  int crop_x = 0;         ///< left edge of the centre crop: round((resize_width - R) / 2), halves to even
  int crop_y = 0;         ///< top edge of the centre crop
};
/// Computes the test transform's resize size and crop offsets for an image of width x height.
ResizeCropPlan test_transform_plan(int width, int height, int resolution);

/// A crop rectangle in pixels.
struct CropBox {
  int x = 0;       ///< left
  int y = 0;       ///< top
  int width = 0;   ///< crop width
  int height = 0;  ///< crop height
};
/// The reference train transform's smallest random-crop area (torchvision's default).
inline constexpr double kReferenceCropScaleMin = 0.08;
/// True when `scale_min` can be a random crop's smallest area fraction: in (0, 1].
inline bool is_valid_crop_scale_min(double scale_min) { return scale_min > 0.0 && scale_min <= 1.0; }

/// torchvision RandomResizedCrop.get_params: 10 tries of (scale, log-uniform ratio), then a
/// centred crop of the whole image with the ratio clamped. Draws from rng.
CropBox random_resized_crop_box(int width, int height, Rng& rng, double scale_min = kReferenceCropScaleMin, double scale_max = 1.0,
                                double ratio_min = 3.0 / 4.0, double ratio_max = 4.0 / 3.0);

/// Test transform: resize the shorter side to `resolution` (bicubic), centre crop, normalise.
torch::Tensor test_transform(const Image& image, int resolution);
/// Train transform: random resized crop (scale scale_min-1, ratio 3/4-4/3; the reference's
/// scale_min is 0.08) to `resolution`, random horizontal flip, normalise. Deterministic given
/// rng's state.
torch::Tensor train_transform(const Image& image, int resolution, Rng& rng,
                              double scale_min = kReferenceCropScaleMin);

}  // namespace promptlab

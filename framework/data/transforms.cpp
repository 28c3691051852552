// The protocol's transforms, following torchvision's Resize/CenterCrop/RandomResizedCrop
// on PIL images (see docs/protocol.md §6).
#include "data/transforms.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <stdexcept>
#include <string>

namespace promptlab {
namespace {

// Python's round(): halves go to the even neighbour (the default FP rounding mode).
int round_half_even(double v) { return static_cast<int>(std::nearbyint(v)); }

// Per channel and byte value: (v / 255 - mean) / std, with float arithmetic as torchvision does.
const std::array<std::array<float, 256>, 3>& normalisation_table() {
  static const auto table = [] {
    std::array<std::array<float, 256>, 3> t{};
    for (int c = 0; c < 3; ++c) {
      for (int v = 0; v < 256; ++v) t[c][v] = (static_cast<float>(v) / 255.0f - kClipMean[c]) / kClipStd[c];
    }
    return t;
  }();
  return table;
}

void check_image(const Image& image, const char* what) {
  if (image.width <= 0 || image.height <= 0 ||
      image.pixels.size() != static_cast<std::size_t>(image.width) * image.height * 3) {
    throw std::invalid_argument(std::string(what) + ": input image is empty or malformed");
  }
}

void check_resolution(int resolution, const char* what) {
  if (resolution <= 0) throw std::invalid_argument(std::string(what) + ": resolution " + std::to_string(resolution) + " is not positive");
}

}  // namespace

Image crop(const Image& image, int x, int y, int width, int height) {
  const int x0 = std::clamp(x, 0, image.width);
  const int y0 = std::clamp(y, 0, image.height);
  const int x1 = std::clamp(x + width, x0, image.width);
  const int y1 = std::clamp(y + height, y0, image.height);
  Image out;
  out.width = x1 - x0;
  out.height = y1 - y0;
  out.pixels.resize(static_cast<std::size_t>(out.width) * out.height * 3);
  const std::size_t row_bytes = static_cast<std::size_t>(out.width) * 3;
  for (int r = 0; r < out.height; ++r) {
    std::copy_n(image.at(x0, y0 + r), row_bytes, out.pixels.data() + r * row_bytes);
  }
  return out;
}

Image flip_horizontal(const Image& image) {
  Image out = image;
  for (int y = 0; y < image.height; ++y) {
    const std::uint8_t* src = image.at(0, y);
    std::uint8_t* dst = out.at(0, y);
    for (int x = 0; x < image.width; ++x) {
      const std::uint8_t* s = src + static_cast<std::size_t>(image.width - 1 - x) * 3;
      dst[x * 3 + 0] = s[0];
      dst[x * 3 + 1] = s[1];
      dst[x * 3 + 2] = s[2];
    }
  }
  return out;
}

torch::Tensor to_normalized_tensor(const Image& image) {
  check_image(image, "to_normalized_tensor");
  const auto& table = normalisation_table();
  const std::int64_t plane = static_cast<std::int64_t>(image.width) * image.height;
  torch::Tensor out = torch::empty({3, image.height, image.width}, torch::kFloat32);
  float* r = out.data_ptr<float>();
  float* g = r + plane;
  float* b = g + plane;
  const std::uint8_t* p = image.pixels.data();
  for (std::int64_t i = 0; i < plane; ++i, p += 3) {
    r[i] = table[0][p[0]];
    g[i] = table[1][p[1]];
    b[i] = table[2][p[2]];
  }
  return out;
}

ResizeCropPlan test_transform_plan(int width, int height, int resolution) {
  ResizeCropPlan plan;
  // torchvision Resize(int): the shorter side becomes `resolution`, the longer is truncated.
  if (width <= height) {
    plan.resize_width = resolution;
    plan.resize_height = static_cast<int>(static_cast<std::int64_t>(resolution) * height / width);
  } else {
    plan.resize_height = resolution;
    plan.resize_width = static_cast<int>(static_cast<std::int64_t>(resolution) * width / height);
  }
  plan.crop_x = round_half_even((plan.resize_width - resolution) / 2.0);
  plan.crop_y = round_half_even((plan.resize_height - resolution) / 2.0);
  return plan;
}

torch::Tensor test_transform(const Image& image, int resolution) {
  check_image(image, "test_transform");
  check_resolution(resolution, "test_transform");
  const ResizeCropPlan plan = test_transform_plan(image.width, image.height, resolution);
  return to_normalized_tensor(resize_bicubic_crop(image, plan.resize_width, plan.resize_height, plan.crop_x,
                                                  plan.crop_y, resolution, resolution));
}

CropBox random_resized_crop_box(int width, int height, Rng& rng, double scale_min, double scale_max,
                                double ratio_min, double ratio_max) {
  const double area = static_cast<double>(width) * height;
  const double log_lo = std::log(ratio_min);
  const double log_hi = std::log(ratio_max);
  for (int attempt = 0; attempt < 10; ++attempt) {
    const double target_area = area * rng.uniform(scale_min, scale_max);
    const double aspect = std::exp(rng.uniform(log_lo, log_hi));
    const int w = round_half_even(std::sqrt(target_area * aspect));
    const int h = round_half_even(std::sqrt(target_area / aspect));
    if (w > 0 && w <= width && h > 0 && h <= height) {
      CropBox box;
      box.y = rng.range(0, height - h);
      box.x = rng.range(0, width - w);
      box.width = w;
      box.height = h;
      return box;
    }
  }
  // Fallback: the whole image, with the aspect ratio clamped into range, centred.
  const double in_ratio = static_cast<double>(width) / height;
  CropBox box;
  if (in_ratio < ratio_min) {
    box.width = width;
    box.height = round_half_even(width / ratio_min);
  } else if (in_ratio > ratio_max) {
    box.height = height;
    box.width = round_half_even(height * ratio_max);
  } else {
    box.width = width;
    box.height = height;
  }
  box.y = (height - box.height) / 2;
  box.x = (width - box.width) / 2;
  return box;
}

torch::Tensor train_transform(const Image& image, int resolution, Rng& rng, double scale_min) {
  check_image(image, "train_transform");
  check_resolution(resolution, "train_transform");
  if (!is_valid_crop_scale_min(scale_min)) {
    throw std::invalid_argument("train_transform: crop scale_min " + std::to_string(scale_min) +
                                " is outside (0, 1]");
  }
  const CropBox box = random_resized_crop_box(image.width, image.height, rng, scale_min);
  const bool flip = rng.uniform() < 0.5;
  Image out = resize_bicubic(crop(image, box.x, box.y, box.width, box.height), resolution, resolution);
  if (flip) out = flip_horizontal(out);
  return to_normalized_tensor(out);
}

}  // namespace promptlab

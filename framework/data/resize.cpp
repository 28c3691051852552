// Bicubic resize with the same arithmetic as PIL's Image.resize(..., BICUBIC):
// separable passes (horizontal, then vertical), each a convolution whose support
// widens by the downscale factor, weights normalised per output pixel and turned
// into 22-bit fixed point, every pass rounded and clamped to 8 bits.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "data/transforms.hpp"

namespace promptlab {
namespace {

constexpr int kPrecisionBits = 32 - 8 - 2;
constexpr double kBicubicSupport = 2.0;

// Keys' cubic convolution kernel with a = -0.5.
double bicubic_kernel(double x) {
  constexpr double a = -0.5;
  x = std::fabs(x);
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0;
  if (x < 2.0) return (((x - 5.0) * x + 8.0) * x - 4.0) * a;
  return 0.0;
}

// Per output position: first input index, tap count, and fixed-point weights.
struct Taps {
  int ksize = 0;
  std::vector<int> first;
  std::vector<int> count;
  std::vector<std::int32_t> weights;  // out_size * ksize
};

Taps make_taps(int in_size, int out_size) {
  const double scale = static_cast<double>(in_size) / out_size;
  const double filter_scale = scale < 1.0 ? 1.0 : scale;
  const double support = kBicubicSupport * filter_scale;
  Taps taps;
  taps.ksize = static_cast<int>(std::ceil(support)) * 2 + 1;
  taps.first.resize(out_size);
  taps.count.resize(out_size);
  taps.weights.assign(static_cast<std::size_t>(out_size) * taps.ksize, 0);
  std::vector<double> w(taps.ksize);
  const double inv = 1.0 / filter_scale;
  for (int o = 0; o < out_size; ++o) {
    const double center = (o + 0.5) * scale;
    int lo = static_cast<int>(center - support + 0.5);
    if (lo < 0) lo = 0;
    int hi = static_cast<int>(center + support + 0.5);
    if (hi > in_size) hi = in_size;
    const int n = hi - lo;
    double total = 0.0;
    for (int k = 0; k < n; ++k) {
      w[k] = bicubic_kernel((k + lo - center + 0.5) * inv);
      total += w[k];
    }
    std::int32_t* dst = taps.weights.data() + static_cast<std::size_t>(o) * taps.ksize;
    for (int k = 0; k < n; ++k) {
      const double v = total != 0.0 ? w[k] / total : w[k];
      const double fixed = v * (1 << kPrecisionBits);
      dst[k] = static_cast<std::int32_t>(v < 0 ? fixed - 0.5 : fixed + 0.5);
    }
    taps.first[o] = lo;
    taps.count[o] = n;
  }
  return taps;
}

inline std::uint8_t clamp_fixed(std::int32_t v) {
  const std::int32_t s = v >> kPrecisionBits;
  return static_cast<std::uint8_t>(s < 0 ? 0 : (s > 255 ? 255 : s));
}

// Resamples rows [row0, row0 + rows) of `in` horizontally, producing output columns
// [col0, col0 + out_width) of the full-width result described by `taps`.
Image horizontal_pass(const Image& in, const Taps& taps, int col0, int out_width, int row0, int rows) {
  Image out;
  out.width = out_width;
  out.height = rows;
  out.pixels.resize(static_cast<std::size_t>(out_width) * rows * 3);
  for (int y = 0; y < rows; ++y) {
    const std::uint8_t* src = in.at(0, row0 + y);
    std::uint8_t* dst = out.at(0, y);
    for (int x = 0; x < out_width; ++x) {
      const int o = col0 + x;
      const std::int32_t* k = taps.weights.data() + static_cast<std::size_t>(o) * taps.ksize;
      const std::uint8_t* p = src + static_cast<std::size_t>(taps.first[o]) * 3;
      std::int32_t r = 1 << (kPrecisionBits - 1), g = r, b = r;
      for (int t = 0; t < taps.count[o]; ++t, p += 3) {
        r += p[0] * k[t];
        g += p[1] * k[t];
        b += p[2] * k[t];
      }
      dst[x * 3 + 0] = clamp_fixed(r);
      dst[x * 3 + 1] = clamp_fixed(g);
      dst[x * 3 + 2] = clamp_fixed(b);
    }
  }
  return out;
}

// Resamples vertically, producing output rows [out0, out0 + out_height); `taps` index
// rows of the original image, `row0` is the first original row held by `in`.
Image vertical_pass(const Image& in, const Taps& taps, int out0, int out_height, int row0) {
  Image out;
  out.width = in.width;
  out.height = out_height;
  out.pixels.resize(static_cast<std::size_t>(in.width) * out_height * 3);
  const std::size_t stride = static_cast<std::size_t>(in.width) * 3;
  const int values = in.width * 3;
  std::vector<std::int32_t> acc(values);
  for (int y = 0; y < out_height; ++y) {
    const int o = out0 + y;
    const std::int32_t* k = taps.weights.data() + static_cast<std::size_t>(o) * taps.ksize;
    std::fill(acc.begin(), acc.end(), 1 << (kPrecisionBits - 1));
    const std::uint8_t* src = in.pixels.data() + static_cast<std::size_t>(taps.first[o] - row0) * stride;
    for (int t = 0; t < taps.count[o]; ++t, src += stride) {
      const std::int32_t w = k[t];
      for (int i = 0; i < values; ++i) acc[i] += src[i] * w;
    }
    std::uint8_t* dst = out.pixels.data() + static_cast<std::size_t>(y) * stride;
    for (int i = 0; i < values; ++i) dst[i] = clamp_fixed(acc[i]);
  }
  return out;
}

}  // namespace

Image resize_bicubic(const Image& image, int width, int height) {
  return resize_bicubic_crop(image, width, height, 0, 0, width, height);
}

Image resize_bicubic_crop(const Image& image, int width, int height, int crop_x, int crop_y, int crop_width,
                          int crop_height) {
  if (width <= 0 || height <= 0) {
    throw std::invalid_argument("resize_bicubic: target size " + std::to_string(width) + "x" +
                                std::to_string(height) + " is not positive");
  }
  if (image.width <= 0 || image.height <= 0 ||
      image.pixels.size() != static_cast<std::size_t>(image.width) * image.height * 3) {
    throw std::invalid_argument("resize_bicubic: input image is empty or malformed");
  }
  if (crop_x < 0 || crop_y < 0 || crop_width <= 0 || crop_height <= 0 || crop_x + crop_width > width ||
      crop_y + crop_height > height) {
    throw std::invalid_argument("resize_bicubic_crop: window " + std::to_string(crop_width) + "x" +
                                std::to_string(crop_height) + "+" + std::to_string(crop_x) + "+" +
                                std::to_string(crop_y) + " is outside the " + std::to_string(width) + "x" +
                                std::to_string(height) + " result");
  }
  const bool horizontal = width != image.width;
  const bool vertical = height != image.height;
  if (!horizontal && !vertical) return crop(image, crop_x, crop_y, crop_width, crop_height);
  if (!vertical) {
    return horizontal_pass(image, make_taps(image.width, width), crop_x, crop_width, crop_y, crop_height);
  }
  const Taps vtaps = make_taps(image.height, height);
  // Only the rows the vertical pass reads need the horizontal pass.
  const int last = crop_y + crop_height - 1;
  const int row0 = vtaps.first[crop_y];
  const int row1 = vtaps.first[last] + vtaps.count[last];
  if (!horizontal) {
    const Image band = crop(image, crop_x, row0, crop_width, row1 - row0);
    return vertical_pass(band, vtaps, crop_y, crop_height, row0);
  }
  const Image band = horizontal_pass(image, make_taps(image.width, width), crop_x, crop_width, row0, row1 - row0);
  return vertical_pass(band, vtaps, crop_y, crop_height, row0);
}

}  // namespace promptlab

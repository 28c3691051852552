#include "world/domain_shift.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "util/rng.hpp"

namespace promptlab::world {
namespace {

std::uint8_t clamp_byte(double v) { return static_cast<std::uint8_t>(std::clamp(std::lround(v), 0L, 255L)); }

// Luminance (Rec. 601) as doubles, row-major.
std::vector<double> luminance(const Image& image) {
  std::vector<double> y(static_cast<std::size_t>(image.width) * image.height);
  for (int r = 0; r < image.height; ++r) {
    for (int c = 0; c < image.width; ++c) {
      const std::uint8_t* p = image.at(c, r);
      y[static_cast<std::size_t>(r) * image.width + c] = 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2];
    }
  }
  return y;
}

// Dark strokes where the luminance changes (Sobel magnitude), on white.
Image sketch(const Image& image) {
  const std::vector<double> y = luminance(image);
  const int w = image.width, h = image.height;
  auto at = [&](int c, int r) {
    c = std::clamp(c, 0, w - 1);
    r = std::clamp(r, 0, h - 1);
    return y[static_cast<std::size_t>(r) * w + c];
  };
  Image out = image;
  for (int r = 0; r < h; ++r) {
    for (int c = 0; c < w; ++c) {
      const double gx = at(c + 1, r - 1) + 2 * at(c + 1, r) + at(c + 1, r + 1) - at(c - 1, r - 1) - 2 * at(c - 1, r) -
                        at(c - 1, r + 1);
      const double gy = at(c - 1, r + 1) + 2 * at(c, r + 1) + at(c + 1, r + 1) - at(c - 1, r - 1) - 2 * at(c, r - 1) -
                        at(c + 1, r - 1);
      const std::uint8_t v = clamp_byte(255.0 - 1.5 * std::sqrt(gx * gx + gy * gy));
      std::uint8_t* p = out.at(c, r);
      p[0] = p[1] = p[2] = v;
    }
  }
  return out;
}

Image noisy(const Image& image, double sigma, std::uint64_t seed) {
  Rng rng(seed);
  Image out = image;
  for (auto& v : out.pixels) v = clamp_byte(v + sigma * rng.normal());
  return out;
}

}  // namespace

std::string to_string(DomainShift shift) {
  switch (shift) {
    case DomainShift::kNone: return "none";
    case DomainShift::kSketch: return "sketch";
    case DomainShift::kNoisy: return "noisy";
    case DomainShift::kClutter: return "clutter";
  }
  return "unknown";
}

Image apply_domain_shift(const Image& image, DomainShift shift, std::uint64_t seed) {
  switch (shift) {
    case DomainShift::kNone: return image;
    case DomainShift::kSketch: return sketch(image);
    case DomainShift::kNoisy: return noisy(image, 60.0, seed);
    case DomainShift::kClutter: return noisy(image, 30.0, seed);
  }
  return image;
}

}  // namespace promptlab::world

// Scene rasteriser: textured background, patterned object (shape or Fashion item),
// optional distractor, faint pixel noise. 2x2 supersampling at object edges.
#include "world/renderer.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "world/fashion_mnist.hpp"
#include "world/shapes.hpp"
#include "world/vocabulary.hpp"

namespace promptlab::world {
namespace {

struct Rgb {
  float r, g, b;
};

float clamp01(float x) { return x < 0.f ? 0.f : (x > 1.f ? 1.f : x); }

float hash01(std::uint64_t seed, int a, int b) {
  std::uint64_t h = mix_seed(seed, static_cast<std::uint64_t>(a) * 131071u + static_cast<std::uint64_t>(b));
  return static_cast<float>(h >> 40) / static_cast<float>(1ull << 24);
}

Rgb background_at(const BackgroundConcept& bg, float x, float y, float phase, std::uint64_t seed) {
  Rgb c{float(bg.r), float(bg.g), float(bg.b)};
  float d = 0.f;
  switch (bg.texture) {
    case 1: d = 14.f * std::sin(x * 0.9f + 2.5f * std::sin(y * 0.12f + phase)); break;       // wood grain
    case 2: d = (std::fmod(x + phase * 3.f, 16.f) < 1.5f || std::fmod(y + 40.f, 16.f) < 1.5f) ? -40.f : 0.f;
      break;  // tiles
    case 3: d = 26.f * (hash01(seed, static_cast<int>(x * 0.7f), static_cast<int>(y * 0.25f)) - 0.5f); break;  // grass
    case 4: d = 18.f * std::sin((x + y) * 0.18f + 3.f * std::sin(y * 0.09f + phase)); break;  // marble
    case 5: d = 12.f * std::sin(y * 0.05f + phase); break;                                    // fog
    default: break;
  }
  return {c.r + d, c.g + d, c.b + d};
}

// Pattern value in [0, 1] at offset (dx, dy) from the object centre (64-px units).
float pattern_at(int pattern, float dx, float dy) {
  auto mod = [](float a, float m) { float r = std::fmod(a, m); return r < 0 ? r + m : r; };
  switch (pattern) {
    case 1: return mod(dy, 6.f) < 3.f ? 1.f : 0.f;                                         // striped
    case 2: return (static_cast<int>(std::floor(dx / 4.f)) + static_cast<int>(std::floor(dy / 4.f))) % 2 ? 1.f : 0.f;
    case 3: {                                                                              // dotted
      float u = mod(dx, 6.f) - 3.f, v = mod(dy, 6.f) - 3.f;
      return u * u + v * v < 2.9f ? 1.f : 0.f;
    }
    case 4: return (mod(dx, 5.f) < 1.3f || mod(dy, 5.f) < 1.3f) ? 1.f : 0.f;            // grid
    case 5: {                                                                              // zigzag
      float t = mod(dx, 8.f);
      float tri = t < 4.f ? t : 8.f - t;
      return mod(dy + tri, 6.f) < 3.f ? 1.f : 0.f;
    }
    case 6: return mod(dy + 2.2f * std::sin(dx * 0.75f), 6.f) < 3.f ? 1.f : 0.f;           // wavy
    case 7: return mod(dx + dy, 6.f) < 3.f ? 1.f : 0.f;                                    // diagonal
    case 8: return mod(std::sqrt(dx * dx + dy * dy), 5.f) < 2.5f ? 1.f : 0.f;             // ringed
    case 9: {                                                                              // plaid
      bool h = mod(dy, 9.f) < 3.f, v = mod(dx, 9.f) < 3.f;
      return h && v ? 1.f : ((h || v) ? 0.55f : 0.f);
    }
    default: return 0.f;                                                                   // solid
  }
}

Rgb secondary(const ColourConcept& c) {
  float lum = 0.299f * c.r + 0.587f * c.g + 0.114f * c.b;
  float t = 0.55f;
  if (lum > 110.f) return {c.r * (1 - t), c.g * (1 - t), c.b * (1 - t)};
  return {c.r + (255.f - c.r) * t, c.g + (255.f - c.g) * t, c.b + (255.f - c.b) * t};
}

// Coverage of the object at pixel centre (x, y) in 64-px units: 0..1, and a shade factor.
float fashion_alpha(const std::uint8_t* img, float u, float v, float& shade) {
  // u, v in [-1, 1] -> 28x28 image coordinates (v up).
  float px = (u + 1.f) * 14.f - 0.5f, py = (1.f - v) * 14.f - 0.5f;
  int x0 = static_cast<int>(std::floor(px)), y0 = static_cast<int>(std::floor(py));
  float fx = px - float(x0), fy = py - float(y0);
  auto at = [&](int x, int y) -> float {
    if (x < 0 || y < 0 || x > 27 || y > 27) return 0.f;
    return float(img[y * 28 + x]) / 255.f;
  };
  float i = (at(x0, y0) * (1 - fx) + at(x0 + 1, y0) * fx) * (1 - fy) +
            (at(x0, y0 + 1) * (1 - fx) + at(x0 + 1, y0 + 1) * fx) * fy;
  shade = 0.6f + 0.4f * i;
  return clamp01(i * 5.f - 0.15f);
}

void draw_object(std::vector<float>& buf, int res, const ObjectSpec& o, FashionSource source) {
  const float scale = static_cast<float>(res) / 64.f;
  const ColourConcept& col = colour_concepts()[static_cast<std::size_t>(o.colour)];
  const Rgb main{float(col.r), float(col.g), float(col.b)};
  const Rgb second = secondary(col);
  const bool fashion = is_fashion(o.object);
  const std::uint8_t* item = nullptr;
  if (fashion) {
    const FashionSplit& split = source == FashionSource::kTrain ? fashion_train() : fashion_test();
    if (o.fashion_index < 0 || o.fashion_index >= split.count)
      throw std::out_of_range("world: Fashion-MNIST index " + std::to_string(o.fashion_index) + " out of range");
    item = split.image(o.fashion_index);
  }
  const float half = o.extent / 2.f;
  const float ca = std::cos(o.angle), sa = std::sin(o.angle);
  const float reach = half * 1.45f;
  int x0 = std::max(0, static_cast<int>(std::floor((o.cx - reach) * scale)));
  int x1 = std::min(res - 1, static_cast<int>(std::ceil((o.cx + reach) * scale)));
  int y0 = std::max(0, static_cast<int>(std::floor((o.cy - reach) * scale)));
  int y1 = std::min(res - 1, static_cast<int>(std::ceil((o.cy + reach) * scale)));
  static const float kOff[2] = {0.25f, 0.75f};
  for (int py = y0; py <= y1; ++py) {
    for (int px = x0; px <= x1; ++px) {
      float cover = 0.f, shade = 1.f;
      for (float oy : kOff) {
        for (float ox : kOff) {
          float x = (float(px) + ox) / scale - o.cx, y = (float(py) + oy) / scale - o.cy;
          float u = (ca * x + sa * y) / half, v = -(-sa * x + ca * y) / half;
          if (fashion) {
            float s = 1.f;
            cover += 0.25f * fashion_alpha(item, u, v, s);
            shade = s;
          } else if (shape_contains(o.object, u, v)) {
            cover += 0.25f;
          }
        }
      }
      if (cover <= 0.f) continue;
      float dx = (float(px) + 0.5f) / scale - o.cx, dy = (float(py) + 0.5f) / scale - o.cy;
      float p = pattern_at(o.pattern, dx, dy);
      float* dst = buf.data() + (static_cast<std::size_t>(py) * res + px) * 3;
      float r = (main.r * (1 - p) + second.r * p) * shade;
      float g = (main.g * (1 - p) + second.g * p) * shade;
      float b = (main.b * (1 - p) + second.b * p) * shade;
      dst[0] = dst[0] * (1 - cover) + r * cover;
      dst[1] = dst[1] * (1 - cover) + g * cover;
      dst[2] = dst[2] * (1 - cover) + b * cover;
    }
  }
}

}  // namespace

Image render_scene(const Scene& scene, int resolution) {
  if (resolution < 8) throw std::invalid_argument("world: resolution " + std::to_string(resolution) + " < 8");
  const auto& bgs = background_concepts();
  const BackgroundConcept& bg = bgs.at(static_cast<std::size_t>(scene.background));
  Rng detail(scene.detail_seed);
  const float phase = static_cast<float>(detail.uniform(0.0, 6.283));
  const std::uint64_t tex_seed = detail.next_u64();
  const float scale = static_cast<float>(resolution) / 64.f;
  std::vector<float> buf(static_cast<std::size_t>(resolution) * resolution * 3);
  for (int y = 0; y < resolution; ++y) {
    for (int x = 0; x < resolution; ++x) {
      Rgb c = background_at(bg, (float(x) + 0.5f) / scale, (float(y) + 0.5f) / scale, phase, tex_seed);
      float* dst = buf.data() + (static_cast<std::size_t>(y) * resolution + x) * 3;
      dst[0] = c.r;
      dst[1] = c.g;
      dst[2] = c.b;
    }
  }
  if (scene.has_distractor) draw_object(buf, resolution, scene.distractor, scene.fashion_source);
  draw_object(buf, resolution, scene.main, scene.fashion_source);
  Image img;
  img.width = resolution;
  img.height = resolution;
  img.pixels.resize(buf.size());
  for (std::size_t i = 0; i < buf.size(); ++i) {
    float v = buf[i] + static_cast<float>(detail.next_u32() % 7u) - 3.f;
    img.pixels[i] = static_cast<std::uint8_t>(std::lround(std::min(255.f, std::max(0.f, v))));
  }
  return img;
}

}  // namespace promptlab::world

// Geometric shapes: circles, polygons and a few implicit curves.
#include "world/shapes.hpp"

#include <array>
#include <cmath>
#include <vector>

namespace promptlab::world {
namespace {

struct Pt {
  float x, y;
};
using Poly = std::vector<Pt>;

bool in_poly(const Poly& p, float x, float y) {
  bool inside = false;
  for (std::size_t i = 0, j = p.size() - 1; i < p.size(); j = i++) {
    if (((p[i].y > y) != (p[j].y > y)) && (x < (p[j].x - p[i].x) * (y - p[i].y) / (p[j].y - p[i].y) + p[i].x))
      inside = !inside;
  }
  return inside;
}

Poly regular(int n, float radius, float start_deg) {
  Poly p;
  for (int i = 0; i < n; ++i) {
    float a = (start_deg + 360.f * static_cast<float>(i) / static_cast<float>(n)) * 3.14159265f / 180.f;
    p.push_back({radius * std::cos(a), radius * std::sin(a)});
  }
  return p;
}

Poly star() {
  Poly p;
  for (int i = 0; i < 10; ++i) {
    float r = (i % 2 == 0) ? 1.f : 0.42f;
    float a = (90.f + 36.f * static_cast<float>(i)) * 3.14159265f / 180.f;
    p.push_back({r * std::cos(a), r * std::sin(a)});
  }
  return p;
}

const Poly& poly(int which) {
  static const std::array<Poly, 7> polys = {
      Poly{{0.f, 1.f}, {-0.95f, -0.75f}, {0.95f, -0.75f}},                        // triangle
      star(),                                                                      // star
      regular(6, 1.f, 0.f),                                                        // hexagon
      regular(5, 1.f, 90.f),                                                       // pentagon
      Poly{{-1.f, 0.25f}, {0.15f, 0.25f}, {0.15f, 0.75f}, {1.f, 0.f}, {0.15f, -0.75f},
           {0.15f, -0.25f}, {-1.f, -0.25f}},                                       // arrow
      Poly{{-1.f, -0.7f}, {1.f, -0.7f}, {0.5f, 0.7f}, {-0.5f, 0.7f}},            // trapezoid
      Poly{{0.f, 1.f}, {-0.58f, -0.1f}, {0.58f, -0.1f}},                          // teardrop tip
  };
  return polys[static_cast<std::size_t>(which)];
}

}  // namespace

bool shape_contains(int shape, float u, float v) {
  float r2 = u * u + v * v;
  switch (shape) {
    case 0: return r2 <= 1.f;                                       // circle
    case 1: return std::fabs(u) <= 0.82f && std::fabs(v) <= 0.82f;  // square
    case 2: return in_poly(poly(0), u, v);                          // triangle
    case 3: return in_poly(poly(1), u, v);                          // star
    case 4: {                                                       // heart
      float x = u * 1.18f, y = v * 1.18f + 0.12f;
      float a = x * x + y * y - 1.f;
      return a * a * a - x * x * y * y * y <= 0.f;
    }
    case 5:  // cross
      return (std::fabs(u) <= 0.3f && std::fabs(v) <= 0.95f) || (std::fabs(v) <= 0.3f && std::fabs(u) <= 0.95f);
    case 6: return in_poly(poly(2), u, v);                             // hexagon
    case 7: return in_poly(poly(3), u, v);                             // pentagon
    case 8: return std::fabs(u) / 0.72f + std::fabs(v) <= 1.f;         // diamond
    case 9: return r2 <= 1.f && r2 >= 0.3f;                            // ring
    case 10: {                                                         // crescent
      float du = u - 0.45f, dv = v - 0.12f;
      return r2 <= 1.f && du * du + dv * dv > 0.72f;
    }
    case 11: return in_poly(poly(4), u, v);                            // arrow
    case 12: return u * u + (v / 0.55f) * (v / 0.55f) <= 1.f;          // oval
    case 13: return in_poly(poly(5), u, v);                            // trapezoid
    case 14: {                                                         // semicircle
      float w = v + 0.5f;
      return w >= 0.f && u * u + w * w <= 1.f;
    }
    case 15: {  // teardrop
      float w = v + 0.35f;
      return u * u + w * w <= 0.42f || in_poly(poly(6), u, v);
    }
    default: return false;
  }
}

}  // namespace promptlab::world

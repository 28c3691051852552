#pragma once
// An 8-bit RGB image, row-major, interleaved (HWC).
#include <cstdint>
#include <vector>

namespace promptlab {

/// 8-bit RGB image, HWC interleaved.
struct Image {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> pixels;  // width * height * 3
  bool empty() const { return pixels.empty(); }
  std::uint8_t* at(int x, int y) { return pixels.data() + (static_cast<std::size_t>(y) * width + x) * 3; }
  const std::uint8_t* at(int x, int y) const {
    return pixels.data() + (static_cast<std::size_t>(y) * width + x) * 3;
  }
};

}  // namespace promptlab

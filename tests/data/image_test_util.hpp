#pragma once
// Helpers shared by the image, transform and loader tests.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <vector>

#include "promptlab/image.hpp"
#include "util/rng.hpp"

namespace promptlab::test {

/// A fresh directory under $PROMPTLAB_TEST_TMP (or /tmp) for one test.
inline std::filesystem::path fresh_dir(const std::string& name) {
  const char* env = std::getenv("PROMPTLAB_TEST_TMP");
  std::filesystem::path root = env != nullptr && *env != '\0' ? env : std::filesystem::temp_directory_path();
  Rng rng(static_cast<std::uint64_t>(std::hash<std::string>{}(name)) ^
          static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(&name)));
  std::filesystem::path dir = root / ("promptlab_" + name + "_" + std::to_string(rng.next_u32()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

/// A deterministic gradient plus noise pattern (smooth and sharp content).
inline Image pattern_image(int width, int height, std::uint64_t seed = 7) {
  Image image;
  image.width = width;
  image.height = height;
  image.pixels.resize(static_cast<std::size_t>(width) * height * 3);
  Rng rng(seed);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      std::uint8_t* p = image.at(x, y);
      const int noise = static_cast<int>(rng.below(64)) - 32;
      const int checker = ((x / 5 + y / 5) % 2) * 60;
      p[0] = static_cast<std::uint8_t>(std::clamp(x * 255 / std::max(1, width - 1) + noise, 0, 255));
      p[1] = static_cast<std::uint8_t>(std::clamp(y * 255 / std::max(1, height - 1) + checker - 30, 0, 255));
      p[2] = static_cast<std::uint8_t>(rng.below(256));
    }
  }
  return image;
}

/// A single-colour image.
inline Image solid_image(int width, int height, std::uint8_t r, std::uint8_t g, std::uint8_t b) {
  Image image;
  image.width = width;
  image.height = height;
  image.pixels.resize(static_cast<std::size_t>(width) * height * 3);
  for (std::size_t i = 0; i < image.pixels.size(); i += 3) {
    image.pixels[i] = r;
    image.pixels[i + 1] = g;
    image.pixels[i + 2] = b;
  }
  return image;
}

/// Whole file as bytes.
inline std::vector<std::uint8_t> read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// Writes bytes to a file.
inline void write_bytes(const std::filesystem::path& path, const std::vector<std::uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

/// True when /usr/bin/python3 can import PIL (reference tests skip otherwise).
inline bool have_python_pil() {
  static const bool ok =
      std::filesystem::exists("/usr/bin/python3") &&
      std::system("/usr/bin/python3 -c 'import PIL.Image' > /dev/null 2>&1") == 0;
  return ok;
}

/// Runs a command through the shell; returns its exit status.
inline int run_command(const std::string& command) { return std::system(command.c_str()); }

}  // namespace promptlab::test

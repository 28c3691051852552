#pragma once
// Image decoding (JPEG via libjpeg-turbo, PNG and others via stb) to 8-bit RGB.
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "promptlab/image.hpp"

namespace promptlab {

/// Raised for unreadable, corrupt or truncated images; the message names the file.
class ImageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Decodes a JPEG or PNG file to RGB (grayscale, CMYK, palette and alpha converted).
Image decode_image_file(const std::string& path);
/// Decodes from memory; `source` names the input in errors.
Image decode_image_bytes(const std::vector<std::uint8_t>& bytes, const std::string& source);
/// Writes a PNG (tests, debugging, `promptlab world --dump`).
void write_png(const Image& image, const std::string& path);
/// Writes a JPEG at the given quality.
void write_jpeg(const Image& image, const std::string& path, int quality = 95);

}  // namespace promptlab

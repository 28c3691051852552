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
/// Encodes a JPEG in memory (4:2:0, like PIL's default); `source` names it in errors.
std::vector<std::uint8_t> encode_jpeg(const Image& image, int quality = 95, const std::string& source = "<memory>");
/// Pixel layouts encode_jpeg_pixels accepts (1, 3 or 4 bytes per pixel).
enum class JpegPixels { kGray, kRgb, kCmyk };
/// Encodes raw pixels as a JPEG (grey: one channel; CMYK: four stored bytes, written as given,
/// no 4:2:0 subsampling for grey/CMYK). Used to make grey and CMYK test images.
std::vector<std::uint8_t> encode_jpeg_pixels(const std::uint8_t* pixels, int width, int height, JpegPixels layout,
                                             int quality = 95, const std::string& source = "<memory>");
/// Writes a JPEG at the given quality.
void write_jpeg(const Image& image, const std::string& path, int quality = 95);

}  // namespace promptlab

// Image decoding and encoding: JPEG through TurboJPEG, everything else through stb_image.
#include "data/image_io.hpp"

#include <turbojpeg.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <iterator>
#include <memory>

// stb is used header-only; its functions stay private to this translation unit.
#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION
#define STBI_NO_HDR
#define STBI_NO_LINEAR
#include <stb/stb_image.h>
#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb/stb_image_write.h>

namespace promptlab {
namespace {

struct TjDeleter {
  void operator()(void* handle) const {
    if (handle != nullptr) tjDestroy(handle);
  }
};
using TjHandle = std::unique_ptr<void, TjDeleter>;

// One decompressor per thread: handles are not thread-safe but are reusable.
tjhandle thread_decompressor() {
  thread_local TjHandle handle{tjInitDecompress()};
  if (!handle) throw ImageError("TurboJPEG: cannot create a decompressor");
  return handle.get();
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// A libjpeg warning is fatal when it means the image was not decoded in full
// (truncated stream, entropy-coded data cut short or garbled).
bool fatal_warning(const std::string& message) {
  const std::string m = lower(message);
  return m.find("premature end") != std::string::npos || m.find("huffman") != std::string::npos ||
         m.find("no image") != std::string::npos;
}

bool is_jpeg(const std::vector<std::uint8_t>& bytes) {
  return bytes.size() >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF;
}

// CMYK as stored in JPEG files follows the Adobe (inverted) convention, as PIL assumes:
// stored s = 255 - ink, so RGB = (255 - C)(255 - K)/255 = s_c * s_k / 255, rounded like PIL.
std::uint8_t mul_div_255(int a, int b) {
  const int t = a * b + 128;
  return static_cast<std::uint8_t>(((t >> 8) + t) >> 8);
}

Image decode_jpeg(const std::vector<std::uint8_t>& bytes, const std::string& source) {
  tjhandle tj = thread_decompressor();
  int width = 0, height = 0, subsamp = 0, colorspace = 0;
  if (tjDecompressHeader3(tj, bytes.data(), static_cast<unsigned long>(bytes.size()), &width, &height, &subsamp,
                          &colorspace) != 0) {
    throw ImageError("cannot read JPEG header of '" + source + "': " + tjGetErrorStr2(tj));
  }
  if (width <= 0 || height <= 0) throw ImageError("JPEG '" + source + "' has an empty size");
  const bool cmyk = colorspace == TJCS_CMYK || colorspace == TJCS_YCCK;
  const int channels = cmyk ? 4 : 3;
  std::vector<std::uint8_t> buffer(static_cast<std::size_t>(width) * height * channels);
  const int rc = tjDecompress2(tj, bytes.data(), static_cast<unsigned long>(bytes.size()), buffer.data(), width, 0,
                               height, cmyk ? TJPF_CMYK : TJPF_RGB, TJFLAG_LIMITSCANS);
  if (rc != 0) {
    const std::string message = tjGetErrorStr2(tj);
    if (tjGetErrorCode(tj) != TJERR_WARNING || fatal_warning(message)) {
      throw ImageError("corrupt or truncated JPEG '" + source + "': " + message);
    }
  }
  Image image;
  image.width = width;
  image.height = height;
  if (!cmyk) {
    image.pixels = std::move(buffer);
    return image;
  }
  image.pixels.resize(static_cast<std::size_t>(width) * height * 3);
  const std::size_t n = static_cast<std::size_t>(width) * height;
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint8_t* s = buffer.data() + i * 4;
    std::uint8_t* d = image.pixels.data() + i * 3;
    for (int c = 0; c < 3; ++c) d[c] = mul_div_255(s[c], s[3]);
  }
  return image;
}

Image decode_with_stb(const std::vector<std::uint8_t>& bytes, const std::string& source) {
  if (bytes.size() > static_cast<std::size_t>(INT32_MAX)) throw ImageError("image '" + source + "' is too large");
  int width = 0, height = 0, channels = 0;
  // Asking for 3 channels converts grey, palette and alpha images to RGB (alpha dropped, as PIL's convert does).
  std::uint8_t* data =
      stbi_load_from_memory(bytes.data(), static_cast<int>(bytes.size()), &width, &height, &channels, 3);
  if (data == nullptr) {
    throw ImageError("cannot decode image '" + source + "': " + stbi_failure_reason());
  }
  Image image;
  image.width = width;
  image.height = height;
  image.pixels.assign(data, data + static_cast<std::size_t>(width) * height * 3);
  stbi_image_free(data);
  return image;
}

void check_writable(const Image& image, const std::string& path) {
  if (image.width <= 0 || image.height <= 0 ||
      image.pixels.size() != static_cast<std::size_t>(image.width) * image.height * 3) {
    throw ImageError("cannot write '" + path + "': image is empty or its pixel buffer has the wrong size");
  }
}

}  // namespace

Image decode_image_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ImageError("cannot open image file '" + path + "'");
  std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw ImageError("cannot read image file '" + path + "'");
  return decode_image_bytes(bytes, path);
}

Image decode_image_bytes(const std::vector<std::uint8_t>& bytes, const std::string& source) {
  if (bytes.empty()) throw ImageError("image '" + source + "' is empty");
  return is_jpeg(bytes) ? decode_jpeg(bytes, source) : decode_with_stb(bytes, source);
}

void write_png(const Image& image, const std::string& path) {
  check_writable(image, path);
  if (stbi_write_png(path.c_str(), image.width, image.height, 3, image.pixels.data(), image.width * 3) == 0) {
    throw ImageError("cannot write PNG '" + path + "'");
  }
}

std::vector<std::uint8_t> encode_jpeg_pixels(const std::uint8_t* pixels, int width, int height, JpegPixels layout,
                                             int quality, const std::string& source) {
  if (pixels == nullptr || width <= 0 || height <= 0) {
    throw ImageError("cannot encode JPEG '" + source + "': empty image");
  }
  if (quality < 1 || quality > 100) {
    throw ImageError("JPEG quality " + std::to_string(quality) + " for '" + source + "' is outside 1..100");
  }
  int format = TJPF_RGB;
  int subsamp = TJSAMP_420;  // PIL's default for RGB JPEGs
  if (layout == JpegPixels::kGray) {
    format = TJPF_GRAY;
    subsamp = TJSAMP_GRAY;
  } else if (layout == JpegPixels::kCmyk) {
    format = TJPF_CMYK;
    subsamp = TJSAMP_444;
  }
  TjHandle tj{tjInitCompress()};
  if (!tj) throw ImageError("TurboJPEG: cannot create a compressor");
  unsigned char* out = nullptr;
  unsigned long size = 0;
  if (tjCompress2(tj.get(), pixels, width, 0, height, format, &out, &size, subsamp, quality, 0) != 0) {
    const std::string message = tjGetErrorStr2(tj.get());
    tjFree(out);
    throw ImageError("cannot encode JPEG '" + source + "': " + message);
  }
  std::vector<std::uint8_t> bytes(out, out + size);
  tjFree(out);
  return bytes;
}

std::vector<std::uint8_t> encode_jpeg(const Image& image, int quality, const std::string& source) {
  check_writable(image, source);
  return encode_jpeg_pixels(image.pixels.data(), image.width, image.height, JpegPixels::kRgb, quality, source);
}

void write_jpeg(const Image& image, const std::string& path, int quality) {
  const std::vector<std::uint8_t> bytes = encode_jpeg(image, quality, path);
  std::ofstream file(path, std::ios::binary);
  if (!file) throw ImageError("cannot open '" + path + "' for writing");
  file.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!file) throw ImageError("cannot write JPEG '" + path + "'");
}

}  // namespace promptlab

// Decoding and encoding: JPEG (RGB, grey, CMYK, broken), PNG (RGB, alpha, grey), errors.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "data/image_io.hpp"
#include "data/image_test_util.hpp"

#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb/stb_image_write.h>

namespace promptlab {
namespace {

using test::fresh_dir;
using test::pattern_image;

double mean_abs_diff(const Image& a, const Image& b) {
  double total = 0;
  for (std::size_t i = 0; i < a.pixels.size(); ++i) total += std::abs(int(a.pixels[i]) - int(b.pixels[i]));
  return total / static_cast<double>(a.pixels.size());
}

// Expects `fn` to throw ImageError whose message contains `needle`.
template <typename Fn>
void expect_image_error(Fn fn, const std::string& needle) {
  try {
    fn();
    ADD_FAILURE() << "no ImageError thrown (expected one naming " << needle << ")";
  } catch (const ImageError& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(ImageIo, PngRoundTripIsExact) {
  const auto dir = fresh_dir("png_roundtrip");
  const Image image = pattern_image(97, 61);
  const std::string path = (dir / "pattern.png").string();
  write_png(image, path);
  const Image back = decode_image_file(path);
  ASSERT_EQ(back.width, 97);
  ASSERT_EQ(back.height, 61);
  EXPECT_EQ(back.pixels, image.pixels);
}

TEST(ImageIo, JpegRoundTripIsClose) {
  const auto dir = fresh_dir("jpeg_roundtrip");
  const Image image = test::solid_image(64, 48, 200, 120, 40);
  const std::string path = (dir / "solid.jpg").string();
  write_jpeg(image, path, 95);
  const Image back = decode_image_file(path);
  ASSERT_EQ(back.width, 64);
  ASSERT_EQ(back.height, 48);
  EXPECT_LT(mean_abs_diff(back, image), 2.0);
  const Image noisy = pattern_image(80, 50);
  const Image noisy_back = decode_image_bytes(encode_jpeg(noisy, 95), "noisy");
  EXPECT_LT(mean_abs_diff(noisy_back, noisy), 25.0);
}

TEST(ImageIo, GreyscaleJpegBecomesRgb) {
  std::vector<std::uint8_t> grey(40 * 30);
  for (int y = 0; y < 30; ++y)
    for (int x = 0; x < 40; ++x) grey[y * 40 + x] = static_cast<std::uint8_t>(x * 6);
  const Image image = decode_image_bytes(encode_jpeg_pixels(grey.data(), 40, 30, JpegPixels::kGray, 98), "grey.jpg");
  ASSERT_EQ(image.width, 40);
  ASSERT_EQ(image.height, 30);
  double err = 0;
  for (int y = 0; y < 30; ++y) {
    for (int x = 0; x < 40; ++x) {
      const std::uint8_t* p = image.at(x, y);
      EXPECT_EQ(p[0], p[1]);
      EXPECT_EQ(p[1], p[2]);
      err += std::abs(int(p[0]) - int(grey[y * 40 + x]));
    }
  }
  EXPECT_LT(err / (40 * 30), 3.0);
}

TEST(ImageIo, CmykJpegUsesAdobeInvertedConvention) {
  // Stored CMYK bytes (Adobe polarity): with K stored as 255 (no black) RGB = stored C, M, Y;
  // with K stored as 128, RGB halves.
  const int w = 32, h = 16;
  std::vector<std::uint8_t> cmyk(static_cast<std::size_t>(w) * h * 4);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      std::uint8_t* p = cmyk.data() + (y * w + x) * 4;
      p[0] = 200;
      p[1] = 100;
      p[2] = 50;
      p[3] = x < w / 2 ? 255 : 128;
    }
  }
  const Image image = decode_image_bytes(encode_jpeg_pixels(cmyk.data(), w, h, JpegPixels::kCmyk, 98), "cmyk.jpg");
  ASSERT_EQ(image.width, w);
  const std::uint8_t* left = image.at(4, 8);
  EXPECT_NEAR(left[0], 200, 3);
  EXPECT_NEAR(left[1], 100, 3);
  EXPECT_NEAR(left[2], 50, 3);
  const std::uint8_t* right = image.at(27, 8);
  EXPECT_NEAR(right[0], 100, 3);
  EXPECT_NEAR(right[1], 50, 3);
  EXPECT_NEAR(right[2], 25, 3);
}

TEST(ImageIo, CmykJpegMatchesPil) {
  if (!test::have_python_pil()) GTEST_SKIP() << "/usr/bin/python3 with PIL not available";
  const auto dir = fresh_dir("cmyk_pil");
  const int w = 24, h = 20;
  std::vector<std::uint8_t> cmyk(static_cast<std::size_t>(w) * h * 4);
  Rng rng(3);
  for (auto& v : cmyk) v = static_cast<std::uint8_t>(rng.below(256));
  const auto jpg = dir / "cmyk.jpg";
  test::write_bytes(jpg, encode_jpeg_pixels(cmyk.data(), w, h, JpegPixels::kCmyk, 98));
  const auto raw = dir / "cmyk.rgb";
  const std::string cmd = "/usr/bin/python3 -c \"import sys; from PIL import Image; "
                          "open(sys.argv[2],'wb').write(Image.open(sys.argv[1]).convert('RGB').tobytes())\" " +
                          jpg.string() + " " + raw.string();
  ASSERT_EQ(test::run_command(cmd), 0);
  EXPECT_EQ(decode_image_file(jpg.string()).pixels, test::read_bytes(raw));
}

TEST(ImageIo, JpegDecodeMatchesPil) {
  if (!test::have_python_pil()) GTEST_SKIP() << "/usr/bin/python3 with PIL not available";
  const auto dir = fresh_dir("jpeg_pil");
  const auto jpg = dir / "pattern.jpg";
  write_jpeg(pattern_image(97, 61), jpg.string(), 90);
  const auto raw = dir / "pattern.rgb";
  const std::string cmd = "/usr/bin/python3 -c \"import sys; from PIL import Image; "
                          "open(sys.argv[2],'wb').write(Image.open(sys.argv[1]).convert('RGB').tobytes())\" " +
                          jpg.string() + " " + raw.string();
  ASSERT_EQ(test::run_command(cmd), 0);
  EXPECT_EQ(decode_image_file(jpg.string()).pixels, test::read_bytes(raw));
}

TEST(ImageIo, TruncatedJpegIsAnErrorNamingTheFile) {
  const auto dir = fresh_dir("jpeg_truncated");
  std::vector<std::uint8_t> bytes = encode_jpeg(pattern_image(120, 90), 90);
  ASSERT_GT(bytes.size(), 1000u);
  bytes.resize(bytes.size() * 2 / 3);
  const std::string path = (dir / "cut_short.jpg").string();
  test::write_bytes(path, bytes);
  expect_image_error([&] { decode_image_file(path); }, "cut_short.jpg");
  // Cut inside the header.
  bytes.resize(200);
  test::write_bytes(path, bytes);
  expect_image_error([&] { decode_image_file(path); }, "cut_short.jpg");
}

TEST(ImageIo, CorruptJpegIsAnErrorNamingTheFile) {
  std::vector<std::uint8_t> bytes = encode_jpeg(pattern_image(120, 90), 90);
  // Overwrite the middle of the entropy-coded data with marker bytes and garbage.
  Rng rng(11);
  for (std::size_t i = bytes.size() / 2; i < bytes.size() / 2 + 64; ++i) bytes[i] = static_cast<std::uint8_t>(rng.below(256));
  bytes[bytes.size() / 2] = 0xFF;
  bytes[bytes.size() / 2 + 1] = 0xD9;  // a premature end-of-image marker
  expect_image_error([&] { decode_image_bytes(bytes, "garbled.jpg"); }, "garbled.jpg");
  // A JPEG signature followed by nonsense.
  std::vector<std::uint8_t> junk = {0xFF, 0xD8, 0xFF, 0x00, 0x12, 0x34, 0x56};
  expect_image_error([&] { decode_image_bytes(junk, "junk.jpg"); }, "junk.jpg");
}

TEST(ImageIo, HarmlessWarningStillDecodes) {
  // Junk between the last scan and the end marker: libjpeg warns ("extraneous bytes"),
  // but every pixel was decoded, so the image is accepted (as PIL does).
  const Image image = pattern_image(64, 48);
  const std::vector<std::uint8_t> clean = encode_jpeg(image, 90);
  std::vector<std::uint8_t> bytes = clean;
  ASSERT_EQ(bytes[bytes.size() - 2], 0xFF);
  ASSERT_EQ(bytes[bytes.size() - 1], 0xD9);
  bytes.insert(bytes.end() - 2, {0x12, 0x34, 0x56});
  const Image decoded = decode_image_bytes(bytes, "junk_before_eoi.jpg");
  EXPECT_EQ(decoded.pixels, decode_image_bytes(clean, "clean.jpg").pixels);
}

TEST(ImageIo, PngWithAlphaDropsAlpha) {
  const auto dir = fresh_dir("png_alpha");
  const int w = 9, h = 7;
  std::vector<std::uint8_t> rgba(static_cast<std::size_t>(w) * h * 4);
  for (std::size_t i = 0; i < rgba.size(); i += 4) {
    rgba[i] = 10;
    rgba[i + 1] = 20;
    rgba[i + 2] = static_cast<std::uint8_t>(i % 251);
    rgba[i + 3] = static_cast<std::uint8_t>(i % 7 * 30);
  }
  const std::string path = (dir / "alpha.png").string();
  ASSERT_NE(stbi_write_png(path.c_str(), w, h, 4, rgba.data(), w * 4), 0);
  const Image image = decode_image_file(path);
  ASSERT_EQ(image.width, w);
  ASSERT_EQ(image.height, h);
  for (std::size_t p = 0; p < static_cast<std::size_t>(w) * h; ++p) {
    EXPECT_EQ(image.pixels[p * 3 + 0], rgba[p * 4 + 0]);
    EXPECT_EQ(image.pixels[p * 3 + 1], rgba[p * 4 + 1]);
    EXPECT_EQ(image.pixels[p * 3 + 2], rgba[p * 4 + 2]);
  }
}

TEST(ImageIo, GreyPngBecomesRgb) {
  const auto dir = fresh_dir("png_grey");
  std::vector<std::uint8_t> grey = {0, 50, 100, 150, 200, 250};
  const std::string path = (dir / "grey.png").string();
  ASSERT_NE(stbi_write_png(path.c_str(), 3, 2, 1, grey.data(), 3), 0);
  const Image image = decode_image_file(path);
  ASSERT_EQ(image.pixels.size(), 18u);
  for (std::size_t i = 0; i < grey.size(); ++i) {
    EXPECT_EQ(image.pixels[i * 3], grey[i]);
    EXPECT_EQ(image.pixels[i * 3 + 1], grey[i]);
    EXPECT_EQ(image.pixels[i * 3 + 2], grey[i]);
  }
}

TEST(ImageIo, PalettePngMatchesPil) {
  if (!test::have_python_pil()) GTEST_SKIP() << "/usr/bin/python3 with PIL not available";
  const auto dir = fresh_dir("png_palette");
  const auto png = dir / "palette.png";
  const auto raw = dir / "palette.rgb";
  const std::string cmd =
      "/usr/bin/python3 -c \"import sys; from PIL import Image; "
      "im = Image.new('P', (13, 5)); im.putpalette([v % 256 for v in range(0, 768 * 7, 7)]); "
      "im.putdata([(i * 37) % 256 for i in range(65)]); im.info['transparency'] = 3; im.save(sys.argv[1]); "
      "open(sys.argv[2], 'wb').write(Image.open(sys.argv[1]).convert('RGB').tobytes())\" " +
      png.string() + " " + raw.string();
  ASSERT_EQ(test::run_command(cmd), 0);
  const Image image = decode_image_file(png.string());
  ASSERT_EQ(image.width, 13);
  EXPECT_EQ(image.pixels, test::read_bytes(raw));
}

TEST(ImageIo, MissingAndNonImageFilesAreErrors) {
  const auto dir = fresh_dir("not_images");
  expect_image_error([&] { decode_image_file((dir / "absent.png").string()); }, "absent.png");
  const auto text = dir / "notes.txt";
  test::write_bytes(text, {'h', 'e', 'l', 'l', 'o'});
  expect_image_error([&] { decode_image_file(text.string()); }, "notes.txt");
  expect_image_error([&] { decode_image_bytes({}, "empty.png"); }, "empty.png");
}

TEST(ImageIo, WritingAnEmptyImageIsAnError) {
  const auto dir = fresh_dir("write_empty");
  expect_image_error([&] { write_png(Image{}, (dir / "e.png").string()); }, "e.png");
  expect_image_error([&] { write_jpeg(Image{}, (dir / "e.jpg").string()); }, "e.jpg");
  expect_image_error([&] { write_jpeg(pattern_image(4, 4), (dir / "q.jpg").string(), 0); }, "q.jpg");
}

}  // namespace
}  // namespace promptlab

// Fashion-MNIST IDX reader (gzip through zlib).
#include "world/fashion_mnist.hpp"

#include <zlib.h>

#include <cstdlib>
#include <stdexcept>

namespace promptlab::world {
namespace {

std::vector<std::uint8_t> read_gz(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) throw std::runtime_error("fashion-mnist: cannot open " + path);
  std::vector<std::uint8_t> data;
  std::uint8_t buf[1 << 16];
  for (;;) {
    int n = gzread(f, buf, sizeof(buf));
    if (n < 0) {
      gzclose(f);
      throw std::runtime_error("fashion-mnist: gzip error reading " + path);
    }
    if (n == 0) break;
    data.insert(data.end(), buf, buf + n);
  }
  gzclose(f);
  return data;
}

std::uint32_t be32(const std::vector<std::uint8_t>& d, std::size_t at) {
  return (std::uint32_t{d[at]} << 24) | (std::uint32_t{d[at + 1]} << 16) | (std::uint32_t{d[at + 2]} << 8) |
         std::uint32_t{d[at + 3]};
}

}  // namespace

std::string fashion_mnist_dir() {
  if (const char* env = std::getenv("PROMPTLAB_FASHION_MNIST"); env && *env) return env;
  return "/usr/share/datasets/fashion-mnist";
}

FashionSplit read_fashion_split(const std::string& images_gz, const std::string& labels_gz) {
  auto images = read_gz(images_gz);
  auto labels = read_gz(labels_gz);
  if (images.size() < 16 || be32(images, 0) != 0x00000803)
    throw std::runtime_error("fashion-mnist: " + images_gz + " is not an IDX image file (magic 2051)");
  if (labels.size() < 8 || be32(labels, 0) != 0x00000801)
    throw std::runtime_error("fashion-mnist: " + labels_gz + " is not an IDX label file (magic 2049)");
  std::uint32_t n = be32(images, 4);
  if (be32(images, 8) != 28 || be32(images, 12) != 28)
    throw std::runtime_error("fashion-mnist: " + images_gz + " images are not 28x28");
  if (be32(labels, 4) != n)
    throw std::runtime_error("fashion-mnist: " + labels_gz + " holds " + std::to_string(be32(labels, 4)) +
                             " labels for " + std::to_string(n) + " images");
  if (images.size() != 16 + static_cast<std::size_t>(n) * 784 || labels.size() != 8 + static_cast<std::size_t>(n))
    throw std::runtime_error("fashion-mnist: " + images_gz + " is truncated");
  FashionSplit s;
  s.count = static_cast<int>(n);
  s.pixels.assign(images.begin() + 16, images.end());
  s.labels.assign(labels.begin() + 8, labels.end());
  s.by_label.assign(10, {});
  for (int i = 0; i < s.count; ++i) {
    if (s.labels[i] > 9) throw std::runtime_error("fashion-mnist: " + labels_gz + " has label > 9");
    s.by_label[s.labels[i]].push_back(i);
  }
  return s;
}

const FashionSplit& fashion_train() {
  static const FashionSplit split = read_fashion_split(fashion_mnist_dir() + "/train-images-idx3-ubyte.gz",
                                                       fashion_mnist_dir() + "/train-labels-idx1-ubyte.gz");
  return split;
}

const FashionSplit& fashion_test() {
  static const FashionSplit split = read_fashion_split(fashion_mnist_dir() + "/t10k-images-idx3-ubyte.gz",
                                                       fashion_mnist_dir() + "/t10k-labels-idx1-ubyte.gz");
  return split;
}

}  // namespace promptlab::world

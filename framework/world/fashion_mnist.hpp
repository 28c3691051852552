#pragma once
// Fashion-MNIST images (IDX, gzip) from the Debian package dataset-fashion-mnist.
#include <cstdint>
#include <string>
#include <vector>

namespace promptlab::world {

/// One split of Fashion-MNIST: 28x28 grayscale images and labels 0..9.
struct FashionSplit {
  int count = 0;
  std::vector<std::uint8_t> pixels;  // count * 784
  std::vector<std::uint8_t> labels;  // count
  /// Indices of the images of each label, in file order.
  std::vector<std::vector<int>> by_label;
  const std::uint8_t* image(int index) const { return pixels.data() + static_cast<std::size_t>(index) * 784; }
};

/// Folder holding the *.gz files: $PROMPTLAB_FASHION_MNIST or /usr/share/datasets/fashion-mnist.
std::string fashion_mnist_dir();

/// The train split (60000 images), loaded once and cached. Throws naming the file.
const FashionSplit& fashion_train();
/// The t10k test split (10000 images), loaded once and cached. Never used for pretraining.
const FashionSplit& fashion_test();

/// Reads an IDX split from `images_gz` and `labels_gz`; throws naming the file on any error.
FashionSplit read_fashion_split(const std::string& images_gz, const std::string& labels_gz);

}  // namespace promptlab::world

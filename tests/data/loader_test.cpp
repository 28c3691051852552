// ImageLoader: order, determinism across thread counts, prefetch bound, errors.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>

#include "data/image_io.hpp"
#include "data/image_test_util.hpp"
#include "data/loader.hpp"
#include "data/transforms.hpp"

namespace promptlab {
namespace {

// An item whose value encodes its index; sleeps a little in reverse order to scramble timing.
torch::Tensor slow_item(std::size_t i) {
  std::this_thread::sleep_for(std::chrono::microseconds(((i * 7919) % 13) * 100));
  return torch::full({3, 2, 2}, static_cast<float>(i));
}

TEST(ImageLoader, BatchesComeOutInOrder) {
  ImageLoader loader(23, 5, 4, 2, slow_item);
  EXPECT_EQ(loader.num_batches(), 5u);
  std::size_t expected = 0, batches = 0;
  while (auto batch = loader.next()) {
    EXPECT_EQ(batch->batch_index, batches);
    ASSERT_EQ(batch->images.size(0), static_cast<std::int64_t>(batch->indices.size()));
    ASSERT_EQ(batch->images.sizes().slice(1), torch::IntArrayRef({3, 2, 2}));
    for (std::size_t r = 0; r < batch->indices.size(); ++r, ++expected) {
      EXPECT_EQ(batch->indices[r], expected);
      EXPECT_EQ(batch->images[r][0][0][0].item<float>(), static_cast<float>(expected));
    }
    ++batches;
  }
  EXPECT_EQ(expected, 23u);
  EXPECT_EQ(batches, 5u);
  EXPECT_FALSE(loader.next().has_value());
}

TEST(ImageLoader, CustomOrderAndDropLast) {
  const std::vector<std::size_t> order = {9, 3, 7, 1, 0, 4, 8};
  ImageLoader loader(order, 3, 3, 1, slow_item, /*drop_last=*/true);
  EXPECT_EQ(loader.num_batches(), 2u);
  std::vector<std::size_t> seen;
  while (auto batch = loader.next()) {
    for (std::size_t r = 0; r < batch->indices.size(); ++r) {
      EXPECT_EQ(batch->images[r][1][1][1].item<float>(), static_cast<float>(batch->indices[r]));
      seen.push_back(batch->indices[r]);
    }
  }
  EXPECT_EQ(seen, (std::vector<std::size_t>{9, 3, 7, 1, 0, 4}));
}

TEST(ImageLoader, ResultsDoNotDependOnThreadCount) {
  const std::vector<std::uint8_t> jpeg = encode_jpeg(test::pattern_image(120, 90, 3), 90);
  const std::uint64_t seed = 5;
  auto item = [&](std::size_t i) {
    Rng rng(mix_seed(seed, i));
    return train_transform(decode_image_bytes(jpeg, "item"), 32, rng);
  };
  auto collect = [&](std::size_t threads) {
    std::vector<torch::Tensor> out;
    ImageLoader loader(13, 4, threads, 2, item);
    while (auto b = loader.next()) out.push_back(b->images);
    return out;
  };
  const auto serial = collect(0);
  ASSERT_EQ(serial.size(), 4u);
  EXPECT_EQ(serial.back().size(0), 1);
  for (std::size_t threads : {1u, 2u, 5u}) {
    const auto parallel = collect(threads);
    ASSERT_EQ(parallel.size(), serial.size());
    for (std::size_t b = 0; b < serial.size(); ++b) EXPECT_TRUE(torch::equal(parallel[b], serial[b])) << threads;
  }
  // Different items got different random crops.
  EXPECT_FALSE(torch::equal(serial[0][0], serial[0][1]));
}

TEST(ImageLoader, PrefetchIsBounded) {
  std::atomic<std::size_t> started{0};
  ImageLoader loader(100, 4, 4, 2, [&](std::size_t i) {
    ++started;
    return torch::full({1}, static_cast<float>(i));
  });
  // Wait (up to 10 s on a loaded machine) until the workers have filled the window.
  for (int i = 0; i < 1000 && started.load() < 8; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  // Nothing consumed yet: at most prefetch_batches * batch_size items may have started.
  EXPECT_LE(started.load(), 8u);
  EXPECT_EQ(started.load(), 8u);
  ASSERT_TRUE(loader.next().has_value());
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_LE(started.load(), 12u);
}

TEST(ImageLoader, WorkerErrorsReachNext) {
  for (std::size_t threads : {0u, 3u}) {
    ImageLoader loader(20, 4, threads, 2, [](std::size_t i) {
      if (i == 9 || i == 10) throw ImageError("cannot decode image 'bad_" + std::to_string(i) + ".jpg'");
      return torch::zeros({2});
    });
    ASSERT_TRUE(loader.next().has_value());
    ASSERT_TRUE(loader.next().has_value());
    try {
      loader.next();
      ADD_FAILURE() << "expected an error from batch 2";
    } catch (const ImageError& e) {
      // The lowest failing position of the batch is reported, whatever the timing.
      EXPECT_NE(std::string(e.what()).find("bad_9.jpg"), std::string::npos) << e.what();
    }
    EXPECT_THROW(loader.next(), ImageError);  // errors are sticky
  }
}

TEST(ImageLoader, MismatchedShapesAreAnError) {
  ImageLoader loader(4, 4, 2, 1, [](std::size_t i) { return torch::zeros({static_cast<std::int64_t>(i + 1)}); });
  EXPECT_ANY_THROW(loader.next());
}

TEST(ImageLoader, EmptyAndEarlyDestruction) {
  ImageLoader empty(0, 4, 2, 2, slow_item);
  EXPECT_EQ(empty.num_batches(), 0u);
  EXPECT_FALSE(empty.next().has_value());
  {
    ImageLoader abandoned(1000, 8, 3, 4, slow_item);
    ASSERT_TRUE(abandoned.next().has_value());
  }  // destructor must join without consuming the rest
  EXPECT_THROW(ImageLoader(5, 0, 1, 1, slow_item), std::invalid_argument);
}

}  // namespace
}  // namespace promptlab

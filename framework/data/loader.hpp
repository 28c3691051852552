#pragma once
// A multithreaded, prefetching, order-preserving batch loader.
//
//   ImageLoader loader(n_items, batch_size, n_threads, prefetch_batches,
//                      [&](std::size_t i) { Rng rng(mix_seed(seed, i)); return train_transform(load(i), 224, rng); });
//   while (auto batch = loader.next()) { use(batch->images, batch->indices); }
//
// Items are produced by worker threads in any order, but batches come out in order and
// hold the same items whatever the thread count, so results only depend on the item
// function. Give each item its own RNG seeded from its index (mix_seed); never share one.
#include <torch/torch.h>

#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace promptlab {

/// One batch: stacked item tensors and the item indices, in order.
struct LoaderBatch {
  torch::Tensor images;              ///< [B, ...] (e.g. [B,3,R,R]) stacked item tensors
  std::vector<std::size_t> indices;  ///< the item index of each row
  std::size_t batch_index = 0;       ///< 0-based position of the batch in the sequence
};

/// Decodes/transforms items on worker threads and yields stacked batches in order.
class ImageLoader {
 public:
  /// Produces the tensor of one item (called concurrently from worker threads).
  using ItemFn = std::function<torch::Tensor(std::size_t)>;

  /// Items 0..n_items-1 in order. n_threads 0 runs items on the calling thread inside next().
  ImageLoader(std::size_t n_items, std::size_t batch_size, std::size_t n_threads, std::size_t prefetch_batches,
              ItemFn item_fn, bool drop_last = false);
  /// Items in the given order (e.g. an epoch's shuffled indices); the function receives the item index.
  ImageLoader(std::vector<std::size_t> order, std::size_t batch_size, std::size_t n_threads,
              std::size_t prefetch_batches, ItemFn item_fn, bool drop_last = false);
  /// Stops and joins the workers (items in flight finish first).
  ~ImageLoader();
  ImageLoader(const ImageLoader&) = delete;
  ImageLoader& operator=(const ImageLoader&) = delete;

  /// The next batch, or nullopt after the last; rethrows an item function's exception.
  std::optional<LoaderBatch> next();
  /// Number of batches this loader yields.
  std::size_t num_batches() const { return num_batches_; }

 private:
  struct BatchState {
    std::size_t remaining = 0;        // items not finished yet
    bool ready = false;               // all items finished (and stacked)
    torch::Tensor images;             // the stacked batch
    std::exception_ptr error;         // the error of the lowest failing position
    std::size_t error_position = 0;   // that position
  };
  void worker_loop();
  void run_item(std::size_t position);
  std::size_t batch_end(std::size_t batch) const;

  std::vector<std::size_t> order_;
  std::size_t batch_size_;
  std::size_t prefetch_batches_;
  ItemFn item_fn_;
  std::size_t num_batches_ = 0;
  std::size_t num_positions_ = 0;  // items actually yielded (after drop_last)

  std::mutex mutex_;
  std::condition_variable work_cv_;   // workers wait for room in the prefetch window
  std::condition_variable ready_cv_;  // next() waits for its batch
  std::vector<torch::Tensor> items_;  // per position, until its batch is stacked
  std::vector<BatchState> batches_;
  std::size_t next_position_ = 0;  // next item position a worker claims
  std::size_t next_batch_ = 0;     // next batch next() returns
  bool stop_ = false;
  std::exception_ptr failed_;  // sticky: once a batch failed, next() keeps rethrowing
  std::vector<std::thread> workers_;
};

}  // namespace promptlab

// ImageLoader: item positions are claimed by workers inside a sliding window of
// `prefetch_batches` batches ahead of the consumer; the worker that finishes a
// batch's last item stacks it; next() hands batches out strictly in order.
#include "data/loader.hpp"

#include <algorithm>
#include <numeric>
#include <stdexcept>
#include <string>
#include <utility>

namespace promptlab {

ImageLoader::ImageLoader(std::size_t n_items, std::size_t batch_size, std::size_t n_threads,
                         std::size_t prefetch_batches, ItemFn item_fn, bool drop_last)
    : ImageLoader(
          [n_items] {
            std::vector<std::size_t> order(n_items);
            std::iota(order.begin(), order.end(), std::size_t{0});
            return order;
          }(),
          batch_size, n_threads, prefetch_batches, std::move(item_fn), drop_last) {}

ImageLoader::ImageLoader(std::vector<std::size_t> order, std::size_t batch_size, std::size_t n_threads,
                         std::size_t prefetch_batches, ItemFn item_fn, bool drop_last)
    : order_(std::move(order)),
      batch_size_(batch_size),
      prefetch_batches_(prefetch_batches == 0 ? 1 : prefetch_batches),
      item_fn_(std::move(item_fn)) {
  if (batch_size_ == 0) throw std::invalid_argument("ImageLoader: batch_size must be positive");
  if (!item_fn_) throw std::invalid_argument("ImageLoader: item function is empty");
  num_batches_ = drop_last ? order_.size() / batch_size_ : (order_.size() + batch_size_ - 1) / batch_size_;
  num_positions_ = std::min(order_.size(), num_batches_ * batch_size_);
  items_.resize(num_positions_);
  batches_.resize(num_batches_);
  for (std::size_t b = 0; b < num_batches_; ++b) batches_[b].remaining = batch_end(b) - b * batch_size_;
  const std::size_t threads = std::min(n_threads, num_positions_);
  workers_.reserve(threads);
  try {
    for (std::size_t t = 0; t < threads; ++t) workers_.emplace_back([this] { worker_loop(); });
  } catch (...) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    work_cv_.notify_all();
    for (std::thread& t : workers_) t.join();
    throw;
  }
}

ImageLoader::~ImageLoader() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  work_cv_.notify_all();
  for (std::thread& t : workers_) t.join();
}

std::size_t ImageLoader::batch_end(std::size_t batch) const {
  return std::min(num_positions_, (batch + 1) * batch_size_);
}

void ImageLoader::worker_loop() {
  for (;;) {
    std::size_t position = 0;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      work_cv_.wait(lock, [this] {
        return stop_ || next_position_ >= num_positions_ ||
               next_position_ < (next_batch_ + prefetch_batches_) * batch_size_;
      });
      if (stop_ || next_position_ >= num_positions_) return;
      position = next_position_++;
    }
    run_item(position);
  }
}

void ImageLoader::run_item(std::size_t position) {
  torch::Tensor tensor;
  std::exception_ptr error;
  try {
    tensor = item_fn_(order_[position]);
    if (!tensor.defined()) {
      throw std::runtime_error("ImageLoader: item " + std::to_string(order_[position]) +
                               " produced an undefined tensor");
    }
  } catch (...) {
    error = std::current_exception();
  }
  const std::size_t b = position / batch_size_;
  std::vector<torch::Tensor> parts;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    BatchState& state = batches_[b];
    if (error && (!state.error || position < state.error_position)) {
      state.error = error;
      state.error_position = position;
    }
    items_[position] = std::move(tensor);
    if (--state.remaining > 0) return;
    if (!state.error) {
      for (std::size_t p = b * batch_size_; p < batch_end(b); ++p) parts.push_back(std::move(items_[p]));
    }
  }
  // This thread finished the batch's last item: stack outside the lock.
  torch::Tensor stacked;
  std::exception_ptr stack_error;
  if (!parts.empty()) {
    try {
      stacked = torch::stack(parts);
    } catch (...) {
      stack_error = std::current_exception();
    }
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    BatchState& state = batches_[b];
    if (stack_error && !state.error) state.error = stack_error;
    state.images = std::move(stacked);
    state.ready = true;
    for (std::size_t p = b * batch_size_; p < batch_end(b); ++p) items_[p] = torch::Tensor();
  }
  ready_cv_.notify_all();
}

std::optional<LoaderBatch> ImageLoader::next() {
  if (failed_) std::rethrow_exception(failed_);
  if (next_batch_ >= num_batches_) return std::nullopt;
  const std::size_t b = next_batch_;
  if (workers_.empty()) {
    for (std::size_t p = b * batch_size_; p < batch_end(b); ++p) run_item(p);
  }
  LoaderBatch out;
  {
    std::unique_lock<std::mutex> lock(mutex_);
    ready_cv_.wait(lock, [&] { return batches_[b].ready; });
    BatchState& state = batches_[b];
    if (state.error) {
      failed_ = state.error;
      stop_ = true;
    } else {
      out.images = std::move(state.images);
      out.batch_index = b;
      out.indices.assign(order_.begin() + static_cast<std::ptrdiff_t>(b * batch_size_),
                         order_.begin() + static_cast<std::ptrdiff_t>(batch_end(b)));
      ++next_batch_;
    }
  }
  work_cv_.notify_all();
  if (failed_) std::rethrow_exception(failed_);
  return out;
}

}  // namespace promptlab

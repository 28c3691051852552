// Batch generation on worker threads.
#include "world/pretrain_stream.hpp"

#include "world/world.hpp"

namespace promptlab::world {

torch::Tensor normalize_image(const Image& image) {
  static const float kMean[3] = {0.48145466f, 0.4578275f, 0.40821073f};
  static const float kStd[3] = {0.26862954f, 0.26130258f, 0.27577711f};
  const int h = image.height, w = image.width;
  torch::Tensor t = torch::empty({3, h, w}, torch::kFloat32);
  float* dst = t.data_ptr<float>();
  const std::uint8_t* src = image.pixels.data();
  const std::size_t plane = static_cast<std::size_t>(h) * w;
  for (std::size_t i = 0; i < plane; ++i) {
    for (int c = 0; c < 3; ++c) dst[c * plane + i] = (float(src[i * 3 + c]) / 255.f - kMean[c]) / kStd[c];
  }
  return t;
}

PretrainStream::PretrainStream(std::uint64_t seed, int batch, int resolution, std::size_t context_length,
                               const Tokenizer& tokenizer, std::int64_t first_step, int workers, int queue_depth,
                               int group_size)
    : seed_(seed),
      batch_(batch),
      resolution_(resolution),
      group_size_(group_size < 1 ? 1 : group_size),
      context_length_(context_length),
      tokenizer_(tokenizer),
      workers_(workers < 1 ? 1 : workers),
      depth_(queue_depth < 1 ? 1 : queue_depth),
      next_step_(first_step) {
  // Each worker is told its first step here: reading next_step_ from a thread that starts late
  // would skip steps the consumer already took and leave one step nobody makes.
  for (int w = 0; w < workers_; ++w) threads_.emplace_back([this, w, first_step] { work(first_step + w); });
}

PretrainStream::~PretrainStream() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  space_.notify_all();
  ready_.notify_all();
  for (auto& t : threads_) t.join();
}

PretrainBatch PretrainStream::make(std::int64_t step, const Tokenizer& tok) const {
  PretrainBatch b;
  b.step = step;
  b.images = torch::empty({batch_, 3, resolution_, resolution_}, torch::kFloat32);
  b.tokens = torch::zeros({batch_, static_cast<std::int64_t>(context_length_)}, torch::kInt64);
  auto* tok_ptr = b.tokens.data_ptr<std::int64_t>();
  for (int i = 0; i < batch_; ++i) {
    WorldSample s = pretrain_sample(seed_, static_cast<std::uint64_t>(step) * batch_ + i, resolution_, group_size_);
    b.images[i].copy_(normalize_image(s.image));
    auto ids = tok.tokenize(s.caption, context_length_, /*truncate=*/true);
    std::copy(ids.begin(), ids.end(), tok_ptr + static_cast<std::size_t>(i) * context_length_);
  }
  return b;
}

void PretrainStream::work(std::int64_t first) {
  Tokenizer tok = tokenizer_;
  try {
    for (std::int64_t step = first;; step += workers_) {
      {
        std::unique_lock<std::mutex> lock(mutex_);
        space_.wait(lock, [&] { return stop_ || step < next_step_ + depth_; });
        if (stop_) return;
      }
      PretrainBatch b = make(step, tok);
      {
        std::lock_guard<std::mutex> lock(mutex_);
        done_.emplace(step, std::move(b));
      }
      ready_.notify_all();
    }
  } catch (...) {
    std::lock_guard<std::mutex> lock(mutex_);
    error_ = std::current_exception();
    ready_.notify_all();
  }
}

PretrainBatch PretrainStream::next() {
  std::unique_lock<std::mutex> lock(mutex_);
  ready_.wait(lock, [&] { return error_ || done_.count(next_step_) > 0; });
  if (error_) std::rethrow_exception(error_);
  auto it = done_.find(next_step_);
  PretrainBatch b = std::move(it->second);
  done_.erase(it);
  ++next_step_;
  lock.unlock();
  space_.notify_all();
  return b;
}

}  // namespace promptlab::world

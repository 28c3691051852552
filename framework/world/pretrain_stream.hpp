#pragma once
// Worker threads that generate pretraining batches (images + token ids) while training runs.
#include <torch/torch.h>

#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "promptlab/image.hpp"
#include "promptlab/tokenizer.hpp"

namespace promptlab::world {

/// One pretraining batch: normalised images [B,3,R,R] and token ids [B,L].
struct PretrainBatch {
  std::int64_t step = 0;
  torch::Tensor images;
  torch::Tensor tokens;
};

/// HWC uint8 image -> CHW float tensor normalised with CLIP's mean/std.
torch::Tensor normalize_image(const Image& image);

/// Produces batch k = samples [k*B, (k+1)*B) of the stream `seed` (in contrast groups of
/// `group_size`, see pretrain_group_spec), in order, from `workers` threads; batches are
/// identical whatever the thread count.
class PretrainStream {
 public:
  PretrainStream(std::uint64_t seed, int batch, int resolution, std::size_t context_length, const Tokenizer& tokenizer,
                 std::int64_t first_step, int workers, int queue_depth = 4, int group_size = 1);
  ~PretrainStream();
  PretrainStream(const PretrainStream&) = delete;
  PretrainStream& operator=(const PretrainStream&) = delete;
  /// Blocks until the next batch (in step order) is ready. Rethrows a worker's exception.
  PretrainBatch next();

 private:
  void work(std::int64_t first);
  PretrainBatch make(std::int64_t step, const Tokenizer& tok) const;

  std::uint64_t seed_;
  int batch_, resolution_, group_size_;
  std::size_t context_length_;
  Tokenizer tokenizer_;
  int workers_, depth_;
  std::int64_t next_step_;
  std::mutex mutex_;
  std::condition_variable ready_, space_;
  std::map<std::int64_t, PretrainBatch> done_;
  std::exception_ptr error_;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace promptlab::world

#include "train/features.hpp"

#include <ATen/Parallel.h>

#include <algorithm>
#include <functional>
#include <limits>
#include <mutex>
#include <sstream>
#include <thread>

#include "data/image_io.hpp"
#include "data/transforms.hpp"
#include "train/stop_signal.hpp"
#include "train/trainer.hpp"
#include "util/fnv1a.hpp"
#include "util/rng.hpp"
#include "util/thread_share.hpp"

namespace promptlab {

namespace {

// Decodes and transforms images on worker threads.
torch::Tensor load_batch(const Dataset& dataset, const std::vector<DataItem>& items,
                         const std::vector<std::size_t>& indices, const std::string& transform, int view,
                         int resolution, double crop_scale_min, std::vector<bool>& ok,
                         std::vector<std::string>& warnings) {
  const std::size_t n = indices.size();
  std::vector<torch::Tensor> out(n);
  ok.assign(n, true);
  std::mutex mu;
  const unsigned workers = std::max(1u, std::min<unsigned>(std::thread::hardware_concurrency(), 8u));
  auto work = [&](std::size_t begin, std::size_t end) {
    for (std::size_t k = begin; k < end; ++k) {
      const DataItem& item = items[indices[k]];
      try {
        Image img = dataset.load_image(item);
        if (transform == "train") {
          Rng rng(mix_seed(fnv1a64(item.id), static_cast<std::uint64_t>(view)));
          out[k] = train_transform(img, resolution, rng, crop_scale_min);
        } else {
          out[k] = test_transform(img, resolution);
        }
      } catch (const std::exception& e) {
        std::lock_guard<std::mutex> lock(mu);
        ok[k] = false;
        warnings.push_back(std::string("skipped unreadable image: ") + e.what());
        out[k] = torch::zeros({3, resolution, resolution});
      }
    }
  };
  std::vector<std::thread> threads;
  const std::size_t chunk = (n + workers - 1) / workers;
  for (unsigned w = 0; w < workers; ++w) {
    const std::size_t b = w * chunk;
    const std::size_t e = std::min(n, b + chunk);
    if (b >= e) break;
    threads.emplace_back(work, b, e);
  }
  for (auto& t : threads) t.join();
  return torch::stack(out);
}

// Rows k of `t` whose image could not be read (!ok[k]) become NaN, which drop_unreadable removes.
void mark_unreadable(torch::Tensor& t, const std::vector<bool>& ok) {
  for (std::size_t k = 0; k < ok.size(); ++k) {
    if (!ok[k]) t[static_cast<std::int64_t>(k)].fill_(std::numeric_limits<float>::quiet_NaN());
  }
}

}  // namespace

torch::Tensor image_features(ModelBundle& model, const Dataset& dataset, const std::vector<DataItem>& items,
                             const std::string& transform, int view, FeatureCache& cache,
                             std::vector<std::string>& warnings, const std::atomic<bool>* stop,
                             double crop_scale_min) {
  const int resolution = static_cast<int>(model.clip->config().image_resolution);
  auto compute = [&](const std::vector<std::size_t>& indices) {
    constexpr std::size_t kBatch = 128;
    std::vector<torch::Tensor> parts;
    for (std::size_t begin = 0; begin < indices.size(); begin += kBatch) {
      rebalance_threads();
      if (stop && stop->load()) throw TrainingInterrupted();
      std::vector<std::size_t> chunk(indices.begin() + begin,
                                     indices.begin() + std::min(indices.size(), begin + kBatch));
      std::vector<bool> ok;
      torch::Tensor images = load_batch(dataset, items, chunk, transform, view, resolution, crop_scale_min, ok, warnings);
      torch::NoGradGuard no_grad;
      torch::Tensor f = model.clip->encode_image(images.to(model.device)).to(torch::kCPU, torch::kFloat32);
      mark_unreadable(f, ok);
      parts.push_back(f);
      stop_point("features", 0);
    }
    return torch::cat(parts);
  };
  // The reference crop keeps the plain "train" key, so caches written before the option existed stay valid.
  std::string key = transform;
  if (transform == "train" && crop_scale_min != kReferenceCropScaleMin) {
    std::ostringstream s;
    s << "train-scale" << crop_scale_min;
    key = s.str();
  }
  return cache.get_or_compute(dataset, items, key, view, compute);
}

torch::Tensor preprocessed_images(const Dataset& dataset, const std::vector<DataItem>& items, int resolution,
                                  const std::string& transform, int view, std::vector<std::string>& warnings,
                                  double crop_scale_min) {
  std::vector<std::size_t> all(items.size());
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
  std::vector<bool> ok;
  torch::Tensor images = load_batch(dataset, items, all, transform, view, resolution, crop_scale_min, ok, warnings);
  mark_unreadable(images, ok);
  return images;
}

torch::Tensor readable_rows(const torch::Tensor& features) { return ~features.flatten(1).isnan().any(1); }

std::int64_t drop_unreadable(std::vector<torch::Tensor>& views, torch::Tensor& labels) {
  if (views.empty()) return labels.size(0);
  torch::Tensor keep = readable_rows(views[0]);
  for (std::size_t v = 1; v < views.size(); ++v) keep &= readable_rows(views[v]);
  if (keep.all().item<bool>()) return labels.size(0);
  torch::Tensor idx = keep.nonzero().squeeze(1).to(labels.device());
  for (auto& view : views) view = view.index_select(0, idx.to(view.device()));
  labels = labels.index_select(0, idx);
  return labels.size(0);
}

std::int64_t drop_unreadable(torch::Tensor& features, torch::Tensor& labels) {
  std::vector<torch::Tensor> views{features};
  const std::int64_t kept = drop_unreadable(views, labels);
  features = views[0];
  return kept;
}

}  // namespace promptlab

#include "train/trainer.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>

#include "train/batch_objective.hpp"
#include "train/stop_signal.hpp"
#include "util/rng.hpp"
#include "util/thread_share.hpp"

namespace promptlab {

int steps_per_epoch(std::int64_t n_items, int batch_size) {
  if (n_items <= 0) return 0;
  if (n_items >= batch_size) return static_cast<int>(n_items / batch_size);
  return 1;
}

std::map<std::string, double> aggregate_step_metrics(const std::vector<std::map<std::string, double>>& steps) {
  struct Acc {
    double sum = 0, min = std::numeric_limits<double>::infinity(), max = -std::numeric_limits<double>::infinity();
    int n = 0;
  };
  std::map<std::string, Acc> acc;
  for (const auto& s : steps) {
    for (const auto& [k, v] : s) {
      auto& a = acc[k];
      a.sum += v;
      a.min = std::min(a.min, v);
      a.max = std::max(a.max, v);
      ++a.n;
    }
  }
  std::map<std::string, double> out;
  for (const auto& [k, a] : acc) {
    if (k.rfind("branch_", 0) == 0) {
      out[k] = a.sum;
    } else {
      out[k] = a.sum / a.n;
      if (k != "loss") {
        out[k + "_min"] = a.min;
        out[k + "_max"] = a.max;
      }
    }
  }
  return out;
}

namespace {

// What one step reports, read off the device together: its metrics, whether every gradient is
// finite, and the batch's correct predictions. One wait for the device per step (issue 15).
struct StepReading {
  std::map<std::string, double> metrics;
  bool gradients_finite = true;
  std::int64_t correct = 0;
  bool counted = false;  // the objective recorded logits to count
};

StepReading read_step(const StepMetrics& m, const std::vector<torch::Tensor>& params, const torch::Tensor& logits,
                      const torch::Tensor& labels) {
  std::vector<torch::Tensor> values;
  std::vector<std::string> names;
  for (const auto& [name, metric] : m) {
    values.push_back(metric.tensor());
    names.push_back("the step rule's metric \"" + name + "\"");
  }
  std::vector<torch::Tensor> finite;
  for (const auto& p : params)
    if (p.grad().defined()) finite.push_back(p.grad().isfinite().all());
  if (!finite.empty()) {
    values.push_back(torch::stack(finite).all());
    names.push_back("the gradients' finiteness");
  }
  if (logits.defined()) {
    values.push_back(logits.argmax(1).eq(labels).sum());
    names.push_back("the batch's correct count");
  }
  const std::vector<double> read = read_scalars(values, names);
  StepReading out;
  std::size_t i = 0;
  for (const auto& entry : m) out.metrics[entry.first] = read[i++];
  if (!finite.empty()) out.gradients_finite = read[i++] != 0.0;
  if (logits.defined()) {
    out.correct = static_cast<std::int64_t>(read[i++]);
    out.counted = true;
  }
  return out;
}

// "the loss is nan", "the gradient of ctx [4, 512] holds inf", or "" when the step is finite.
std::string nonfinite_quantity(const StepReading& r, const std::vector<torch::Tensor>& params,
                               const std::vector<std::string>& names) {
  if (auto it = r.metrics.find("loss"); it != r.metrics.end() && !std::isfinite(it->second)) {
    return "the loss is " + std::string(std::isnan(it->second) ? "nan" : "infinite");
  }
  if (r.gradients_finite) return "";
  // Only on a failing step: find and name the tensor (a wait per tensor is fine here).
  for (std::size_t i = 0; i < params.size(); ++i) {
    const torch::Tensor& g = params[i].grad();
    if (!g.defined() || g.isfinite().all().item<bool>()) continue;
    return "the gradient of " + names[i] + " " + c10::str(g.sizes()) + " holds " +
           (g.isnan().any().item<bool>() ? "nan" : "inf");
  }
  return "";
}

// Names of the trainable tensors as the learner registered them ("trainable tensor <i>" otherwise).
std::vector<std::string> trainable_names(Learner& learner, const std::vector<torch::Tensor>& params) {
  std::vector<std::string> names;
  const auto named = learner.named_parameters(/*recurse=*/true);
  for (std::size_t i = 0; i < params.size(); ++i) {
    std::string name = "trainable tensor " + std::to_string(i);
    for (const auto& item : named)
      if (item.value().unsafeGetTensorImpl() == params[i].unsafeGetTensorImpl()) name = item.key();
    names.push_back(name);
  }
  return names;
}

}  // namespace

void train(Learner& learner, StepRule& rule, const TrainData& data, const TrainOptions& options,
           const EpochCallback& on_epoch, const StepCallback& on_step, const std::atomic<bool>* stop,
           const CheckpointCallback& on_checkpoint) {
  if (data.view_count() == 0) throw std::invalid_argument("train: no training data");
  const std::int64_t n = data.labels.size(0);
  const int bs = std::max(1, options.batch_size);
  const int steps = steps_per_epoch(n, bs);
  learner.train();
  Sgd sgd(learner.trainable_parameters(), options.sgd);
  const std::vector<std::string> names = trainable_names(learner, sgd.parameters());
  if (!options.initial_momentum.empty()) sgd.set_momentum_buffers(options.initial_momentum);
  for (int epoch = options.start_epoch; epoch < options.epochs; ++epoch) {
    // Other runs may have started or ended since the last epoch. The count changes the last bits
    // of some reductions, so it is recorded with the epoch (docs/speed.md).
    const int threads = rebalance_threads();
    const auto t0 = std::chrono::steady_clock::now();
    const double lr = lr_at_epoch(epoch, options.schedule);
    sgd.set_lr(lr);
    const int view = epoch % data.view_count();
    std::vector<std::int64_t> order(static_cast<std::size_t>(n));
    std::iota(order.begin(), order.end(), 0);
    Rng rng(mix_seed(options.seed, static_cast<std::uint64_t>(epoch)));
    rng.shuffle(order);
    std::vector<std::map<std::string, double>> step_metrics;
    std::int64_t correct = 0, seen = 0;
    double loss_sum = 0;
    int skipped = 0;
    for (int s = 0; s < steps; ++s) {
      if (stop && stop->load()) throw TrainingInterrupted();
      const std::int64_t begin = static_cast<std::int64_t>(s) * bs;
      const std::int64_t end = std::min<std::int64_t>(begin + bs, n);
      // The order is drawn on the CPU (the same on every device); the batch is gathered where the data is.
      const torch::Tensor idx = torch::from_blob(order.data() + begin, {end - begin}, torch::kInt64).clone();
      torch::Tensor x = data.rows(view, idx);
      torch::Tensor y = data.labels.index_select(0, idx.to(data.labels.device())).to(x.device());
      BatchObjective objective(learner, x, y, data.zero_shot.get());
      StepMetrics m = rule.compute_gradient(objective);
      for (const auto& [name, value] : objective.term_metrics()) m.emplace(name, value);
      StepReading r = read_step(m, sgd.parameters(), objective.first_logits(), y);
      if (const std::string bad = nonfinite_quantity(r, sgd.parameters(), names); !bad.empty()) {
        if (!options.skip_nonfinite) {
          throw NonFiniteError("epoch " + std::to_string(epoch) + ", step " + std::to_string(s + 1) + " of " +
                               std::to_string(steps) + ": " + bad +
                               " (set train.nonfinite = \"skip\" to skip such steps instead)");
        }
        ++skipped;
        continue;
      }
      sgd.step();
      if (r.counted) {
        correct += r.correct;
        seen += y.size(0);
      }
      loss_sum += r.metrics.count("loss") ? r.metrics.at("loss") : 0.0;
      step_metrics.push_back(std::move(r.metrics));
      if (on_step) on_step(epoch, s + 1, steps, loss_sum / (s + 1), seen ? 100.0 * correct / seen : 0.0);
      stop_point("step", epoch, s + 1);
    }
    {
      torch::NoGradGuard no_grad;
      learner.end_epoch(EpochEnd{epoch, options.epochs});
    }
    EpochReport report;
    report.epoch = epoch;
    report.values = aggregate_step_metrics(step_metrics);
    report.values["lr"] = lr;
    report.values["threads"] = threads;
    if (options.skip_nonfinite) report.values["nonfinite_skipped"] = skipped;
    report.values["acc"] = seen ? 100.0 * correct / seen : 0.0;
    report.values["time_s"] =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (on_epoch) on_epoch(report);
    if (on_checkpoint) on_checkpoint(epoch + 1, sgd);
    stop_point("epoch", epoch);
  }
  learner.eval();
}

}  // namespace promptlab

#include "analysis/run_landscape.hpp"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <cstdio>
#include <stdexcept>

#include "data/base_new.hpp"
#include "data/item_labels.hpp"
#include "registry/plugin_host.hpp"
#include "train/dataset_source.hpp"
#include "train/experiment.hpp"
#include "train/features.hpp"
#include "train/learned_parameters.hpp"
#include "train/model_source.hpp"
#include "train/protocol.hpp"
#include "train/run_plan.hpp"
#include "train/run_prepare.hpp"
#include "util/fnv1a.hpp"

namespace promptlab {

namespace {

// Cross-entropy and top-1 accuracy (%) of the learner on (x, y), in batches.
std::pair<double, double> landscape_loss_and_accuracy(Learner& learner, const torch::Tensor& x, const torch::Tensor& y) {
  constexpr std::int64_t kBatch = 512;
  double loss_sum = 0;
  std::int64_t correct = 0;
  const std::int64_t n = x.size(0);
  for (std::int64_t begin = 0; begin < n; begin += kBatch) {
    const std::int64_t end = std::min(begin + kBatch, n);
    const torch::Tensor logits = learner.logits(x.slice(0, begin, end));
    const torch::Tensor labels = y.slice(0, begin, end);
    loss_sum += torch::nn::functional::cross_entropy(
                    logits, labels, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
                    .item<double>();
    correct += logits.argmax(1).eq(labels).sum().item<std::int64_t>();
  }
  return {loss_sum / static_cast<double>(n), 100.0 * static_cast<double>(correct) / static_cast<double>(n)};
}

std::string landscape_run_name(std::int64_t id) { return "run " + std::to_string(id); }

}  // namespace

void LandscapeOptions::check() const {
  if (split != "train" && split != "base" && split != "new" && split != "all")
    throw std::invalid_argument("landscape --split '" + split + "': use train, base, new or all");
  if (dims != 1 && dims != 2) throw std::invalid_argument("landscape --dims " + std::to_string(dims) + ": use 1 or 2");
  if (points < 2 || points > 201)
    throw std::invalid_argument("landscape --points " + std::to_string(points) + ": use 2 to 201 per axis");
  if (!(range > 0)) throw std::invalid_argument("landscape --range must be positive");
}

std::string LandscapeOptions::grid_name() const {
  char r[32];
  std::snprintf(r, sizeof(r), "%g", range);
  const std::string size = dims == 1 ? std::to_string(points) : std::to_string(points) + "x" + std::to_string(points);
  return std::to_string(dims) + "d " + size + " range " + r + " " + to_string(norm) + " seed " +
         std::to_string(direction_seed);
}

std::uint64_t direction_generator_seed(const std::string& dataset, std::int64_t seed, std::uint64_t direction_seed) {
  return fnv1a64("landscape\n" + dataset + "\n" + std::to_string(seed) + "\n" + std::to_string(direction_seed));
}

std::vector<LandscapePoint> compute_landscape(const PluginHost& host, const RunStore& store, const std::string& db_path,
                                              std::int64_t run_id, const LandscapeOptions& options,
                                              const std::function<void(const std::string&)>& log) {
  options.check();
  const auto run = store.get_run(run_id);
  if (!run) throw std::invalid_argument("run store " + db_path + ": no run with id " + std::to_string(run_id));
  if (run->status != "finished")
    throw std::invalid_argument(landscape_run_name(run_id) + " is " + run->status + "; a landscape needs a finished run");
  std::vector<std::uint8_t> blob;
  bool found = false;
  for (const auto& a : store.artifacts(run_id))
    if (a.name == "parameters") {
      blob = a.data;
      found = true;
    }
  if (!found) throw std::invalid_argument(landscape_run_name(run_id) + " (" + run->method + ") learned no parameters");

  // The run as recorded: its config, its protocol (unchanged since), its few-shot split.
  const Protocol protocol = load_protocol(run->protocol);
  ExperimentRequest request;
  request.method = run->method;
  request.dataset = run->dataset;
  request.seed = run->seed;
  request.resume_run = run_id;  // plans with the run's recorded config, and checks the protocol's hash
  const RunPlan plan = plan_run(host, store, db_path, protocol, request, /*look_up_store=*/false);
  const Config& config = plan.config;
  std::shared_ptr<Dataset> dataset = open_dataset(host, run->dataset, config);
  ModelBundle model = load_model(config);
  std::vector<std::string> warnings;
  const std::string side = options.cache_dir.empty() ? side_directory(db_path) : options.cache_dir;
  const RunData data = prepare_data(*dataset, config, protocol, run->seed, side, warnings);
  if ((options.split == "base" || options.split == "new") && !data.base2new)
    throw std::invalid_argument(landscape_run_name(run_id) + " ran protocol " + protocol.name +
                                ", which has no base and new classes: use --split all or train");
  if (options.split == "all" && data.base2new)
    throw std::invalid_argument(landscape_run_name(run_id) + " ran a base-to-new protocol: use --split base, new or train");
  FeatureCache cache = run_feature_cache(side, model);
  std::shared_ptr<ZeroShotTeacher> teacher;
  std::shared_ptr<Learner> learner = build_learner(host, plan.spec, model, *dataset, data, config, run->seed, teacher);
  load_trainable(*learner, load_named_tensors(blob, landscape_run_name(run_id) + " artifact 'parameters'"),
                 landscape_run_name(run_id) + " artifact 'parameters'");
  const InputSource inputs = input_source(*learner, model, cache, warnings, nullptr);

  // The split's inputs and labels, and the learner on its classes.
  torch::Tensor x, y;
  if (options.split == "train") {
    const TrainData train = training_data(inputs, *dataset, data, config, model, teacher, warnings);
    x = train.rows(0, torch::arange(train.labels.size(0), torch::kInt64));
    y = train.labels.to(x.device());
  } else {
    const Subsampled s =
        subsample_classes(data.test_items, data.all_classnames, parse_class_subset(options.split), data.few_shot.train);
    learner->set_classnames(s.classnames);
    x = inputs(*dataset, s.items, "test", 0, kReferenceCropScaleMin);
    y = labels_of(s.items);
    drop_unreadable(x, y);
    x = x.to(model.device);
    y = y.to(model.device);
  }
  if (x.size(0) == 0) throw std::runtime_error(landscape_run_name(run_id) + ": the " + options.split + " split has no examples");
  for (const auto& w : warnings) log("warning: " + w);

  learner->eval();
  const std::vector<torch::Tensor> params = learner->trainable_parameters();
  auto generator = at::make_generator<at::CPUGeneratorImpl>(
      direction_generator_seed(run->dataset, run->seed, options.direction_seed));
  const std::vector<torch::Tensor> d1 = random_direction(params, generator, options.norm);
  const std::vector<torch::Tensor> d2 =
      options.dims == 2 ? random_direction(params, generator, options.norm) : std::vector<torch::Tensor>{};
  const std::vector<double> alphas = grid_axis(options.points, options.range);
  const std::vector<double> betas = options.dims == 2 ? alphas : std::vector<double>{0.0};
  log(landscape_run_name(run_id) + " (" + run->method + " on " + run->dataset + ", seed " + std::to_string(run->seed) + "): " +
      std::to_string(alphas.size() * betas.size()) + " points on " + std::to_string(x.size(0)) + " " + options.split +
      " examples");
  return evaluate_landscape([&] { return landscape_loss_and_accuracy(*learner, x, y); }, params, d1, d2, alphas, betas);
}

}  // namespace promptlab

#include "train/experiment.hpp"


#include <filesystem>
#include <set>
#include <sstream>

#include "data/base_new.hpp"
#include "data/dataset_listing.hpp"
#include "data/feature_cache.hpp"
#include "data/few_shot.hpp"
#include "data/item_labels.hpp"
#include "data/reference_datasets.hpp"
#include "promptlab/version.hpp"
#include "registry/plugin_host.hpp"
#include "store/process_identity.hpp"
#include "store/run_store.hpp"
#include "train/checkpoint.hpp"
#include "train/config_checks.hpp"
#include "train/dataset_source.hpp"
#include "train/evaluate.hpp"
#include "train/features.hpp"
#include "train/learned_parameters.hpp"
#include "train/model_source.hpp"
#include "train/trainer.hpp"

namespace fs = std::filesystem;

namespace promptlab {

namespace {

std::string join(const std::vector<std::string>& v, const std::string& sep) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

void check_known_keys(const Config& layer, const std::set<std::string>& known, const std::string& source) {
  for (const auto& [key, value] : layer.entries()) {
    if (known.count(key)) continue;
    std::vector<std::string> valid(known.begin(), known.end());
    throw ConfigError(unknown_name_message("config key (from " + source + ")", key, valid));
  }
}

// Keys in `layer` (from `source`) that `method` neither declares nor gets from the framework or the
// protocol, each with the methods that do declare it.
void note_foreign_keys(const PluginHost& host, const std::string& method, const std::set<std::string>& own,
                       const Config& layer, const std::string& source, std::vector<std::string>& notes) {
  for (const auto& [key, value] : layer.entries()) {
    if (own.count(key)) continue;
    std::vector<std::string> owners;
    for (const auto& plugin : host.plugins()) {
      for (const auto& [other, defaults] : plugin.manifest.method_defaults) {
        if (defaults.has(key)) owners.push_back(other);
      }
    }
    notes.push_back("config key " + key + " (from " + source + ") is declared by method " +
                    (owners.empty() ? std::string("none") : join(owners, ", ")) + " but not by " + method +
                    ", so this " + method + " run most likely ignores it");
  }
}

std::vector<std::uint8_t> to_bytes(const std::string& s) { return {s.begin(), s.end()}; }

}  // namespace

Config framework_defaults() {
  Config c;
  c.set("seed", std::int64_t{1});
  c.set("optim.lr", 0.002);
  c.set("optim.momentum", 0.9);
  c.set("optim.dampening", 0.0);
  c.set("optim.weight_decay", 5e-4);
  c.set("train.epochs", std::int64_t{200});
  c.set("train.batch_size", std::int64_t{32});
  c.set("train.warmup_epochs", std::int64_t{1});
  c.set("train.warmup_lr", 1e-5);
  c.set("train.views", std::int64_t{1});
  c.set("train.nonfinite", std::string("fail"));
  c.set("data.shots", std::int64_t{16});
  c.set("data.crop_scale_min", kReferenceCropScaleMin);
  c.set("data.root", std::string());
  c.set("model.weights", std::string());
  c.set("model.vocab", std::string());
  c.set("model.precision", std::string("fp32"));
  c.set("model.device", std::string("cpu"));
  c.set("model.truncate_text", true);
  return c;
}

Config resolve_config(const PluginHost& host, const Protocol& protocol, const ExperimentRequest& request,
                      std::vector<std::string>* notes) {
  const MethodSpec& spec = host.method(request.method);  // throws with the valid names
  std::set<std::string> known;
  Config base = framework_defaults();
  for (const auto& [k, v] : base.entries()) known.insert(k);
  for (const auto& plugin : host.plugins()) {
    for (const auto& [method, defaults] : plugin.manifest.method_defaults) {
      for (const auto& [k, v] : defaults.entries()) known.insert(k);
    }
  }
  for (const auto& [k, v] : protocol.defaults.entries()) known.insert(k);
  for (const auto& [m, cfg] : protocol.methods) {
    for (const auto& [k, v] : cfg.entries()) known.insert(k);
  }
  for (const auto& [n, cfg] : protocol.by_shots) {
    for (const auto& [k, v] : cfg.entries()) known.insert(k);
  }
  Config resolved = base;
  resolved.merge(host.method_defaults(spec.name));
  resolved.merge(protocol.for_method(spec.name, request.shots));
  std::set<std::string> own;  // what this method's run reads before the user's layers
  for (const auto& [k, v] : resolved.entries()) own.insert(k);
  std::vector<std::string> foreign;
  if (!request.config_file.empty()) {
    Config file = Config::from_toml_file(request.config_file);
    check_known_keys(file, known, request.config_file);
    note_foreign_keys(host, spec.name, own, file, request.config_file, foreign);
    resolved.merge(file);
  }
  resolved.merge(request.cli_overrides);
  Config sets;
  for (const auto& a : request.assignments) {
    auto [key, value] = Config::parse_assignment(a);
    sets.set(key, value);
  }
  check_known_keys(sets, known, "--set");
  note_foreign_keys(host, spec.name, own, sets, "--set", foreign);
  resolved.merge(sets);
  if (notes) notes->insert(notes->end(), foreign.begin(), foreign.end());
  resolved.set("seed", request.seed);
  return resolved;
}

std::string side_directory(const std::string& db_path) { return db_path + ".d"; }

ExperimentOutcome run_experiment(PluginHost& host, RunStore& store, const std::string& db_path,
                                 const Protocol& protocol, const ExperimentRequest& request,
                                 const ExperimentObserver& observer, const std::atomic<bool>* stop,
                                 bool skip_if_finished) {
  auto log = [&](const std::string& line) {
    if (observer.log) observer.log(line);
  };
  const MethodSpec& spec = host.method(request.method);
  // A resumed run keeps its recorded config exactly; a new one resolves it from the layers.
  std::optional<RunRecord> resumed;
  if (request.resume_run > 0) {
    resumed = store.get_run(request.resume_run);
    if (!resumed) throw std::runtime_error("run store " + db_path + ": no run with id " + std::to_string(request.resume_run));
    if (resumed->protocol_hash != protocol.hash) {
      throw std::runtime_error("run " + std::to_string(resumed->id) + " was recorded under protocol " + resumed->protocol +
                               " " + resumed->protocol_hash + ", but " + protocol.path + " now hashes to " +
                               protocol.hash + ": the protocol changed, so the run cannot be resumed");
    }
  }
  std::vector<std::string> config_notes;
  Config config = resumed ? Config::from_json(resumed->config_json, "run " + std::to_string(resumed->id) + "'s config")
                          : resolve_config(host, protocol, request, &config_notes);
  check_config_ranges(config, spec.trains);
  const double crop_scale_min = config.get_double("data.crop_scale_min");
  const std::string config_hash =
      resumed ? resumed->config_hash : content_hash(config.to_string() + "\ndataset=" + request.dataset);
  ExperimentOutcome outcome;
  outcome.shots = config.get_int("data.shots");
  if (skip_if_finished) {
    if (auto id = store.find_finished(spec.name, request.dataset, protocol.hash, request.seed, config_hash)) {
      outcome.run_id = *id;
      outcome.status = "finished";
      outcome.skipped = true;
      for (const auto& r : store.results(*id)) {
        if (r.dataset != request.dataset) {
          outcome.targets.emplace_back(r.dataset, r.accuracy);
        } else if (r.split == "base") {
          outcome.base = r.accuracy;
        } else if (r.split == "new") {
          outcome.new_ = r.accuracy;
        } else if (r.split == "all") {
          outcome.all = r.accuracy;
        }
      }
      return outcome;
    }
    if (auto id = store.find_interrupted(spec.name, request.dataset, protocol.hash, request.seed, config_hash)) {
      resumed = store.get_run(*id);  // same config by construction: continue it rather than start again
    }
  }
  // Open what can fail on bad input before the run is recorded.
  std::shared_ptr<Dataset> dataset = open_dataset(host, request.dataset, config);
  ModelBundle model = load_model(config);
  model.clip->set_truncate_text(config.get_bool("model.truncate_text", true));

  RunRecord rec;
  rec.method = spec.name;
  rec.learner = spec.learner;
  rec.step_rule = spec.trains ? spec.step_rule : "";
  rec.dataset = request.dataset;
  rec.protocol = protocol.name;
  rec.protocol_hash = protocol.hash;
  rec.seed = request.seed;
  rec.shots = config.get_int("data.shots");
  rec.config_json = config.to_json();
  rec.config_hash = config_hash;
  {
    std::ostringstream pv;
    pv << "{";
    bool first = true;
    for (const auto& [name, version] : host.plugin_versions()) {
      pv << (first ? "" : ",") << "\"" << name << "\":\"" << version << "\"";
      first = false;
    }
    pv << "}";
    rec.plugin_versions_json = pv.str();
  }
  rec.model_checksum = model.checksum;
  rec.model_path = model.weights_path;
  rec.code_revision = PROMPTLAB_GIT_REV;
  rec.promptlab_version = kVersion;
  rec.machine = host_name();
  rec.device = model.device.str();
  rec.precision = to_string(model.precision);
  if (resumed) {
    if (resumed->model_checksum != model.checksum) {
      throw std::runtime_error("run " + std::to_string(resumed->id) + " was trained with weights " +
                               resumed->model_path + " (checksum " + resumed->model_checksum + "); " +
                               model.weights_path + " now has checksum " + model.checksum +
                               ": the weights changed, so the run cannot be resumed");
    }
    store.resume_run(resumed->id, rec.machine);
    outcome.run_id = resumed->id;
  } else {
    outcome.run_id = store.begin_run(rec);
  }
  log("run " + std::to_string(outcome.run_id) + (resumed ? " (resumed)" : "") + ": " + spec.name + " on " +
      request.dataset + ", seed " + std::to_string(request.seed) + ", protocol " + protocol.name);
  const std::string checkpoint = checkpoint_path(side_directory(db_path), outcome.run_id);

  std::vector<std::string> warnings;
  for (const auto& note : config_notes) {
    log("warning: " + note);
    warnings.push_back(note);
  }
  for (const auto& problem : dataset_problems(*dataset)) warnings.push_back(problem.message);
  const std::string side = side_directory(db_path);
  std::shared_ptr<Learner> learner;
  bool trained = false;
  try {
    fs::create_directories(side);
    const int shots = static_cast<int>(config.get_int("data.shots"));
    FewShotSplit fs_split =
        load_or_sample_few_shot(*dataset, shots, static_cast<std::uint64_t>(request.seed), side + "/splits");
    warnings.insert(warnings.end(), fs_split.warnings.begin(), fs_split.warnings.end());
    const auto all_names = dataset->classnames();
    const bool base2new = protocol.subsample == "base2new";
    const ClassSubset train_subset = base2new ? ClassSubset::kBase : ClassSubset::kAll;
    Subsampled train_set = subsample_classes(fs_split.train, all_names, train_subset, fs_split.train);
    const auto test_items = dataset->items(Split::kTest);

    FeatureCache cache(side + "/features", model.checksum + "-" + to_string(model.precision), request.feature_cache);
    LearnerContext ctx;
    ctx.clip = model.clip;
    ctx.tokenizer = model.tokenizer.get();
    ctx.classnames = train_set.classnames;
    ctx.prompt_template = dataset->prompt_template();
    ctx.config = config;
    ctx.device = model.device;
    ctx.zero_shot = std::make_shared<ZeroShotTeacher>(model.clip, *model.tokenizer, ctx.prompt_template,
                                                      ctx.classnames, model.device);
    torch::manual_seed(static_cast<std::uint64_t>(request.seed));
    learner = host.make_learner(spec.learner, ctx);
    learner->to(model.device);
    // What the learner's logits take: the frozen encoder's cached features, or the images themselves.
    const int resolution = static_cast<int>(model.clip->config().image_resolution);
    const auto inputs_of = [&](const Dataset& from, const std::vector<DataItem>& items, const std::string& transform,
                               int view, double scale_min) {
      return learner->input() == LearnerInput::kImages
                 ? preprocessed_images(from, items, resolution, transform, view, warnings, scale_min)
                 : image_features(model, from, items, transform, view, cache, warnings, stop, scale_min);
    };

    if (spec.trains) {
      const int views = std::max<int>(1, static_cast<int>(config.get_int("train.views")));
      TrainData data;
      torch::Tensor labels = labels_of(train_set.items);
      for (int v = 0; v < views; ++v) {
        torch::Tensor f = inputs_of(*dataset, train_set.items, "train", v, crop_scale_min);
        data.views.push_back(f.to(model.device));
      }
      data.labels = labels.to(model.device);
      data.zero_shot = ctx.zero_shot;
      const std::int64_t listed = data.labels.size(0);
      const std::int64_t readable = drop_unreadable(data.views, data.labels);
      if (readable == 0) {
        throw std::runtime_error("none of the " + std::to_string(listed) + " training images could be read");
      }
      if (readable < listed) {
        warnings.push_back(std::to_string(listed - readable) + " of " + std::to_string(listed) +
                           " training images were unreadable and left out of training");
      }
      TrainOptions opts;
      opts.epochs = static_cast<int>(config.get_int("train.epochs"));
      opts.batch_size = static_cast<int>(config.get_int("train.batch_size"));
      opts.schedule.base_lr = config.get_double("optim.lr");
      opts.schedule.max_epoch = opts.epochs;
      opts.schedule.warmup_epochs = static_cast<int>(config.get_int("train.warmup_epochs"));
      opts.schedule.warmup_lr = config.get_double("train.warmup_lr");
      opts.sgd = sgd_options(config);
      opts.seed = static_cast<std::uint64_t>(request.seed);
      opts.skip_nonfinite = config.get_string("train.nonfinite") == "skip";
      if (auto state = load_checkpoint(checkpoint, config_hash)) {
        restore_module(*learner, *state, checkpoint);
        opts.start_epoch = state->next_epoch;
        opts.initial_momentum = state->momentum;
        if (state->torch_rng.defined()) set_torch_rng_state(state->torch_rng);
        log("  continuing from the checkpoint at epoch " + std::to_string(state->next_epoch) + " of " +
            std::to_string(opts.epochs));
      }
      std::unique_ptr<StepRule> rule = host.make_step_rule(spec.step_rule, config);
      const int epochs = opts.epochs;
      train(
          *learner, *rule, data, opts,
          [&](const EpochReport& r) {
            store.log_epoch(outcome.run_id, EpochMetrics{r.epoch, r.values});
          },
          [&](int epoch, int step, int steps, double loss, double acc) {
            if (observer.step) observer.step(epoch, epochs, step, steps, loss, acc);
          },
          stop,
          [&](int next_epoch, const Sgd& sgd) {
            TrainState state;
            state.next_epoch = next_epoch;
            state.learner = module_tensors(*learner);
            state.momentum = sgd.momentum_buffers();
            state.torch_rng = torch_rng_state();
            state.config_hash = config_hash;
            save_checkpoint(checkpoint, state);
          });
      if (observer.done_line) observer.done_line();
    }
    trained = true;
    if (fault_injected("store-after-training")) throw StoreError("run store " + db_path + ": injected fault");

    auto eval_subset = [&](ClassSubset which, const std::string& split_name) {
      Subsampled s = subsample_classes(test_items, all_names, which, fs_split.train);
      if (s.items.empty()) return -1.0;
      learner->set_classnames(s.classnames);
      torch::Tensor f = inputs_of(*dataset, s.items, "test", 0, kReferenceCropScaleMin);
      torch::Tensor y = labels_of(s.items);
      drop_unreadable(f, y);
      Accuracy acc = evaluate(*learner, f.to(model.device), y.to(model.device));
      store.record_result(outcome.run_id, SplitResult{split_name, acc.n, acc.correct, acc.percent()});
      log("  " + split_name + ": " + std::to_string(acc.correct) + "/" + std::to_string(acc.n) + " = " +
          std::to_string(acc.percent()) + "%");
      return acc.percent();
    };
    if (base2new) {
      outcome.base = eval_subset(ClassSubset::kBase, "base");
      outcome.new_ = eval_subset(ClassSubset::kNew, "new");
    } else {
      outcome.all = eval_subset(ClassSubset::kAll, "all");
    }
    // The same learned prompt on every transfer target: its classes, its template, its test set.
    for (const auto& target_name : protocol.targets) {
      if (target_name == request.dataset) continue;
      std::shared_ptr<Dataset> target = open_dataset(host, target_name, config);
      for (const auto& problem : dataset_problems(*target)) warnings.push_back(problem.message);
      const auto items = target->items(Split::kTest);
      learner->set_target(target->classnames(), target->prompt_template());
      torch::Tensor f = inputs_of(*target, items, "test", 0, kReferenceCropScaleMin);
      torch::Tensor y = labels_of(items);
      drop_unreadable(f, y);
      Accuracy acc = evaluate(*learner, f.to(model.device), y.to(model.device));
      store.record_result(outcome.run_id, SplitResult{"all", acc.n, acc.correct, acc.percent(), target_name});
      log("  " + target_name + ": " + std::to_string(acc.correct) + "/" + std::to_string(acc.n) + " = " +
          std::to_string(acc.percent()) + "%");
      outcome.targets.emplace_back(target_name, acc.percent());
    }
    learner->set_target(train_set.classnames, dataset->prompt_template());
    const std::string described = learner->describe();
    if (!described.empty()) store.add_artifact(outcome.run_id, Artifact{"prompt", "text", to_bytes(described)});
    const auto learned = named_trainable(*learner);
    if (!learned.empty()) {
      const std::vector<char> blob = save_named_tensors(learned);
      store.add_artifact(outcome.run_id, Artifact{"parameters", "tensor", {blob.begin(), blob.end()}});
    }
    store.add_artifact(outcome.run_id,
                       Artifact{"few_shot_split", "text",
                                to_bytes(few_shot_split_path(*dataset, shots, request.seed, side + "/splits"))});
    if (!warnings.empty()) {
      store.add_artifact(outcome.run_id, Artifact{"warnings", "text", to_bytes(join(warnings, "\n"))});
      log("  " + std::to_string(warnings.size()) + " warning(s) recorded with the run");
    }
    store.finish_run(outcome.run_id, "finished");
    outcome.status = "finished";
    std::error_code ec;
    fs::remove(checkpoint, ec);
  } catch (const TrainingInterrupted&) {
    if (observer.done_line) observer.done_line();
    outcome.status = "interrupted";
    outcome.error = "interrupted by signal; resume with: promptlab run --resume " + std::to_string(outcome.run_id);
  } catch (const std::exception& e) {
    if (observer.done_line) observer.done_line();
    outcome.status = "failed";
    // LibTorch's errors carry a C++ backtrace that tells a user nothing: keep the message.
    const auto* torch_error = dynamic_cast<const c10::Error*>(&e);
    outcome.error = torch_error ? torch_error->what_without_backtrace() : e.what();
    if (torch_error) outcome.error = "in " + spec.learner + " / " + rec.step_rule + ": " + outcome.error;
    // The store failed: never lose the training. Save the prompt beside it and say where.
    if (dynamic_cast<const StoreError*>(&e)) {
      if (trained && learner) {
        outcome.error += "; " + rescue_learned(*learner, side, outcome.run_id);
      } else if (fs::exists(checkpoint)) {
        outcome.error += "; the training state of the finished epochs is in " + checkpoint;
      }
    }
  }
  try {
    store.finish_run(outcome.run_id, outcome.status, outcome.error);
  } catch (const std::exception& e) {
    outcome.error += "; the store could not record this either (" + std::string(e.what()) + ")";
  }
  return outcome;
}

}  // namespace promptlab

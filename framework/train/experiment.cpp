#include "train/experiment.hpp"

#include <filesystem>

#include "data/reference_datasets.hpp"
#include "registry/plugin_host.hpp"
#include "store/run_store.hpp"
#include "train/checkpoint.hpp"
#include "train/dataset_source.hpp"
#include "train/learned_parameters.hpp"
#include "train/model_source.hpp"
#include "train/run_evaluate.hpp"
#include "train/run_prepare.hpp"
#include "train/run_record.hpp"
#include "train/run_sharpness.hpp"
#include "train/run_train.hpp"

namespace promptlab {

std::string side_directory(const std::string& db_path) { return db_path + ".d"; }

namespace {

// The outcome of a run the store already holds finished.
ExperimentOutcome finished_outcome(const RunStore& store, std::int64_t id, const std::string& dataset) {
  ExperimentOutcome outcome;
  outcome.run_id = id;
  outcome.status = "finished";
  outcome.skipped = true;
  for (const auto& r : store.results(id)) {
    if (r.dataset != dataset) {
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

}  // namespace

ExperimentOutcome run_experiment(PluginHost& host, RunStore& store, const std::string& db_path,
                                 const Protocol& protocol, const ExperimentRequest& request,
                                 const ExperimentObserver& observer, const std::atomic<bool>* stop,
                                 bool skip_if_finished) {
  auto log = [&](const std::string& line) {
    if (observer.log) observer.log(line);
  };
  // 1. Plan.
  const RunPlan plan = plan_run(host, store, db_path, protocol, request, skip_if_finished);
  const Config& config = plan.config;
  if (plan.finished_run) {
    ExperimentOutcome outcome = finished_outcome(store, *plan.finished_run, request.dataset);
    outcome.shots = config.get_int("data.shots");
    return outcome;
  }
  // Open what can fail on bad input before the run is recorded.
  std::shared_ptr<Dataset> dataset = open_dataset(host, request.dataset, config);
  ModelBundle model = load_model(config);
  model.clip->set_text_grad_chunk(request.text_chunk);
  model.clip->set_share_text_prefix(request.shared_prefix);

  RunRecorder recorder(store);
  ExperimentOutcome outcome;
  outcome.shots = config.get_int("data.shots");
  outcome.run_id = recorder.start(RunRecorder::describe(host, plan, protocol, request, model), plan.resumed);
  log("run " + std::to_string(outcome.run_id) + (plan.resumed ? " (resumed)" : "") + ": " + plan.spec.name + " on " +
      request.dataset + ", seed " + std::to_string(request.seed) + ", protocol " + protocol.name);
  const std::string side = side_directory(db_path);
  const std::string checkpoint = checkpoint_path(side, outcome.run_id);

  std::vector<std::string> warnings;
  for (const auto& note : plan.notes) {
    log("warning: " + note);
    warnings.push_back(note);
  }
  for (const auto& problem : dataset_problems(*dataset)) warnings.push_back(problem.message);
  std::shared_ptr<Learner> learner;
  bool trained = false;
  try {
    // 2. Prepare.
    const std::string shared = request.cache_dir.empty() ? side : request.cache_dir;
    const RunData data = prepare_data(*dataset, config, protocol, request.seed, shared, warnings);
    FeatureCache cache = run_feature_cache(shared, model, request.feature_cache);
    std::shared_ptr<ZeroShotTeacher> teacher;
    learner = build_learner(host, plan.spec, model, *dataset, data, config, request.seed, teacher);
    const InputSource inputs = input_source(*learner, model, cache, warnings, stop);

    // 3. Train.
    if (plan.spec.trains) {
      const TrainData train_data = training_data(inputs, *dataset, data, config, model, teacher, warnings);
      std::unique_ptr<StepRule> rule = host.make_step_rule(plan.spec.step_rule, config);
      const int epochs = static_cast<int>(config.get_int("train.epochs"));
      train_run(
          *learner, *rule, train_data, config, request.seed, checkpoint, plan.config_hash,
          [&](const EpochReport& r) { recorder.epoch(r); },
          [&](int epoch, int step, int steps, double loss, double acc) {
            if (observer.step) observer.step(epoch, epochs, step, steps, loss, acc);
          },
          log, stop);
      if (observer.done_line) observer.done_line();
      // Sharpness at the learned parameters. A learner whose operations lack second derivatives
      // costs the run these measures, not its results.
      try {
        recorder.run_metrics(run_sharpness(*learner, train_data, config.get_int("train.batch_size"),
                                           static_cast<std::uint64_t>(request.seed)));
      } catch (const StoreError&) {
        throw;
      } catch (const std::exception& e) {
        warnings.push_back(std::string("sharpness not measured: ") + e.what());
        log("warning: " + warnings.back());
      }
    }
    trained = true;
    if (fault_injected("store-after-training")) throw StoreError("run store " + db_path + ": injected fault");

    // 4. Evaluate.
    const RunEvaluation eval =
        evaluate_run(*learner, inputs, *dataset, request.dataset, data, host, protocol, config, model.device,
                     [&](const SplitResult& r) { recorder.result(r); }, log, warnings);
    outcome.base = eval.base;
    outcome.new_ = eval.new_;
    outcome.all = eval.all;
    outcome.targets = eval.targets;

    // 5. Record what was learned.
    recorder.artifacts(*learner, data.few_shot_file, warnings);
    if (!warnings.empty()) log("  " + std::to_string(warnings.size()) + " warning(s) recorded with the run");
    recorder.mark_finished();
    outcome.status = "finished";
    std::error_code ec;
    std::filesystem::remove(checkpoint, ec);
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
    if (torch_error) {
      outcome.error = "in " + plan.spec.learner + " / " + (plan.spec.trains ? plan.spec.step_rule : std::string()) +
                      ": " + outcome.error;
    }
    // The store failed: never lose the training. Save the prompt beside it and say where.
    if (dynamic_cast<const StoreError*>(&e)) {
      if (trained && learner) {
        outcome.error += "; " + rescue_learned(*learner, side, outcome.run_id);
      } else if (std::filesystem::exists(checkpoint)) {
        outcome.error += "; the training state of the finished epochs is in " + checkpoint;
      }
    }
  }
  if (const std::string failed = recorder.finish(outcome.status, outcome.error); !failed.empty()) {
    outcome.error += "; " + failed;
  }
  return outcome;
}

}  // namespace promptlab

#include "train/run_record.hpp"

#include <sstream>

#include "promptlab/version.hpp"
#include "registry/plugin_host.hpp"
#include "store/process_identity.hpp"
#include "train/learned_parameters.hpp"
#include "train/model_source.hpp"
#include "util/join.hpp"

namespace promptlab {

namespace {

std::vector<std::uint8_t> to_bytes(const std::string& s) { return {s.begin(), s.end()}; }

}  // namespace

RunRecord RunRecorder::describe(const PluginHost& host, const RunPlan& plan, const Protocol& protocol,
                                const ExperimentRequest& request, const ModelBundle& model) {
  RunRecord rec;
  rec.method = plan.spec.name;
  rec.learner = plan.spec.learner;
  rec.step_rule = plan.spec.trains ? plan.spec.step_rule : "";
  rec.dataset = request.dataset;
  rec.protocol = protocol.name;
  rec.protocol_hash = protocol.hash;
  rec.seed = request.seed;
  rec.shots = plan.config.get_int("data.shots");
  rec.config_json = plan.config.to_json();
  rec.config_hash = plan.config_hash;
  std::ostringstream pv;
  pv << "{";
  bool first = true;
  for (const auto& [name, version] : host.plugin_versions()) {
    pv << (first ? "" : ",") << "\"" << name << "\":\"" << version << "\"";
    first = false;
  }
  pv << "}";
  rec.plugin_versions_json = pv.str();
  rec.model_checksum = model.checksum;
  rec.model_path = model.weights_path;
  rec.code_revision = PROMPTLAB_GIT_REV;
  rec.promptlab_version = kVersion;
  rec.machine = host_name();
  rec.device = model.device.str();
  rec.precision = to_string(model.precision);
  return rec;
}

std::int64_t RunRecorder::start(const RunRecord& record, const std::optional<RunRecord>& resumed) {
  if (resumed) {
    if (resumed->model_checksum != record.model_checksum) {
      throw std::runtime_error("run " + std::to_string(resumed->id) + " was trained with weights " +
                               resumed->model_path + " (checksum " + resumed->model_checksum + "); " +
                               record.model_path + " now has checksum " + record.model_checksum +
                               ": the weights changed, so the run cannot be resumed");
    }
    store_.resume_run(resumed->id, record.machine);
    run_id_ = resumed->id;
  } else {
    run_id_ = store_.begin_run(record);
  }
  return run_id_;
}

void RunRecorder::epoch(const EpochReport& report) { store_.log_epoch(run_id_, EpochMetrics{report.epoch, report.values}); }

void RunRecorder::run_metrics(const std::map<std::string, double>& metrics) {
  store_.log_run_metrics(run_id_, metrics);
}

void RunRecorder::result(const SplitResult& r) { store_.record_result(run_id_, r); }

void RunRecorder::artifacts(Learner& learner, const std::string& few_shot_file,
                            const std::vector<std::string>& warnings) {
  const std::string described = learner.describe();
  if (!described.empty()) store_.add_artifact(run_id_, Artifact{"prompt", "text", to_bytes(described)});
  const auto learned = named_trainable(learner);
  if (!learned.empty()) {
    const std::vector<char> blob = save_named_tensors(learned);
    store_.add_artifact(run_id_, Artifact{"parameters", "tensor", {blob.begin(), blob.end()}});
  }
  store_.add_artifact(run_id_, Artifact{"few_shot_split", "text", to_bytes(few_shot_file)});
  if (!warnings.empty()) store_.add_artifact(run_id_, Artifact{"warnings", "text", to_bytes(join(warnings, "\n"))});
}

void RunRecorder::mark_finished() { store_.finish_run(run_id_, "finished"); }

std::string RunRecorder::finish(const std::string& status, const std::string& error) noexcept {
  try {
    store_.finish_run(run_id_, status, error);
    return "";
  } catch (const std::exception& e) {
    return "the store could not record this either (" + std::string(e.what()) + ")";
  }
}

}  // namespace promptlab

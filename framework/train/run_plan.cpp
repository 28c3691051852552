#include "train/run_plan.hpp"

#include <set>

#include "data/transforms.hpp"
#include "registry/plugin_host.hpp"
#include "train/config_checks.hpp"
#include "util/join.hpp"

namespace promptlab {

namespace {

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

RunPlan plan_run(const PluginHost& host, const RunStore& store, const std::string& db_path, const Protocol& protocol,
                 const ExperimentRequest& request, bool look_up_store) {
  RunPlan plan;
  plan.spec = host.method(request.method);  // throws with the valid names
  if (request.resume_run > 0) {
    plan.resumed = store.get_run(request.resume_run);
    if (!plan.resumed) {
      throw std::runtime_error("run store " + db_path + ": no run with id " + std::to_string(request.resume_run));
    }
    if (plan.resumed->protocol_hash != protocol.hash) {
      throw std::runtime_error("run " + std::to_string(plan.resumed->id) + " was recorded under protocol " +
                               plan.resumed->protocol + " " + plan.resumed->protocol_hash + ", but " + protocol.path +
                               " now hashes to " + protocol.hash +
                               ": the protocol changed, so the run cannot be resumed");
    }
  }
  // A resumed run keeps its recorded config exactly; a new one resolves it from the layers.
  plan.config = plan.resumed ? Config::from_json(plan.resumed->config_json,
                                                 "run " + std::to_string(plan.resumed->id) + "'s config")
                             : resolve_config(host, protocol, request, &plan.notes);
  check_config_ranges(plan.config, plan.spec.trains);
  plan.config_hash = plan.resumed ? plan.resumed->config_hash
                                  : content_hash(plan.config.to_string() + "\ndataset=" + request.dataset);
  if (look_up_store) {
    plan.finished_run =
        store.find_finished(plan.spec.name, request.dataset, protocol.hash, request.seed, plan.config_hash);
    if (!plan.finished_run) {
      if (auto id = store.find_interrupted(plan.spec.name, request.dataset, protocol.hash, request.seed,
                                           plan.config_hash)) {
        plan.resumed = store.get_run(*id);  // same config by construction: continue it rather than start again
      }
    }
  }
  return plan;
}

}  // namespace promptlab

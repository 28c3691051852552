#include "sweep/sweep_manifest.hpp"

#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "util/temp_path.hpp"

namespace promptlab {

namespace {

using nlohmann::json;

// The member `key` of `j`, or an error naming the file and the key.
const json& member(const json& j, const std::string& key, const std::string& file) {
  if (!j.is_object() || !j.contains(key)) throw std::runtime_error("sweep manifest " + file + ": missing key '" + key + "'");
  return j.at(key);
}

template <typename T>
T manifest_value(const json& j, const std::string& key, const std::string& file) {
  try {
    return member(j, key, file).get<T>();
  } catch (const json::exception& e) {
    throw std::runtime_error("sweep manifest " + file + ": key '" + key + "' has the wrong type (" + e.what() + ")");
  }
}

}  // namespace

std::string SweepManifest::shard_path(std::size_t index) const {
  return dir + "/shards/" + std::to_string(index) + ".db";
}

namespace {
std::string log_file(const std::string& dir, const std::string& index, const std::string& job) {
  return dir + "/logs/" + index + "-" + job + ".log";
}
}  // namespace

std::string SweepManifest::log_path(std::size_t index, const std::string& job) const {
  return log_file(dir, std::to_string(index), job);
}

std::string SweepManifest::log_pattern() const { return log_file(dir, "%a", "%A"); }

std::string SweepManifest::script_path() const { return dir + "/job.sh"; }

std::string SweepManifest::job_of(std::size_t index) const {
  for (auto it = submissions.rbegin(); it != submissions.rend(); ++it)
    for (auto i : it->indices)
      if (i == index) return it->job_id;
  return "";
}

std::string sweep_manifest_path(const std::string& sweep_dir) { return sweep_dir + "/sweep.json"; }

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

SweepManifest read_sweep(const std::string& sweep_dir) {
  const std::string file = sweep_manifest_path(sweep_dir);
  std::ifstream in(file);
  if (!in) throw std::runtime_error("sweep " + sweep_dir + ": no manifest " + file + " (not a sweep folder?)");
  json j;
  try {
    in >> j;
  } catch (const json::exception& e) {
    throw std::runtime_error("sweep manifest " + file + ": not valid JSON (" + e.what() + ")");
  }
  const int version = manifest_value<int>(j, "format_version", file);
  if (version != SweepManifest::kFormatVersion)
    throw std::runtime_error("sweep manifest " + file + ": format_version " + std::to_string(version) +
                             ", this promptlab reads " + std::to_string(SweepManifest::kFormatVersion));
  SweepManifest m;
  m.dir = std::filesystem::absolute(sweep_dir).lexically_normal().string();
  while (m.dir.size() > 1 && m.dir.back() == '/') m.dir.pop_back();
  m.store = manifest_value<std::string>(j, "store", file);
  m.program = manifest_value<std::string>(j, "program", file);
  m.global_args = manifest_value<std::vector<std::string>>(j, "global_args", file);
  m.bench_args = manifest_value<std::vector<std::string>>(j, "bench_args", file);
  m.cache_dir = manifest_value<std::string>(j, "cache_dir", file);
  m.protocol = manifest_value<std::string>(j, "protocol", file);
  m.protocol_hash = manifest_value<std::string>(j, "protocol_hash", file);
  m.runs_per_cell = manifest_value<std::size_t>(j, "runs_per_cell", file);
  m.created_at = manifest_value<std::string>(j, "created_at", file);
  for (const auto& c : member(j, "cells", file)) {
    m.cells.push_back({manifest_value<std::string>(c, "method", file), manifest_value<std::string>(c, "dataset", file),
                       manifest_value<std::int64_t>(c, "seed", file)});
  }
  const json& s = member(j, "slurm", file);
  m.slurm.partition = manifest_value<std::string>(s, "partition", file);
  m.slurm.time = manifest_value<std::string>(s, "time", file);
  m.slurm.gpus_per_task = manifest_value<int>(s, "gpus_per_task", file);
  m.slurm.cpus_per_task = manifest_value<int>(s, "cpus_per_task", file);
  m.slurm.mem = manifest_value<std::string>(s, "mem", file);
  m.slurm.extra = manifest_value<std::vector<std::string>>(s, "extra", file);
  for (const auto& sub : member(j, "submissions", file)) {
    SweepSubmission one{manifest_value<std::string>(sub, "job_id", file), manifest_value<std::vector<std::size_t>>(sub, "indices", file),
                        manifest_value<std::string>(sub, "submitted_at", file)};
    for (auto i : one.indices)
      if (i >= m.cells.size())
        throw std::runtime_error("sweep manifest " + file + ": job " + one.job_id + " names cell " + std::to_string(i) +
                                 ", but the sweep has " + std::to_string(m.cells.size()) + " cells");
    m.submissions.push_back(std::move(one));
  }
  return m;
}

void write_sweep(const SweepManifest& m) {
  json cells = json::array();
  for (const auto& c : m.cells) cells.push_back({{"method", c.method}, {"dataset", c.dataset}, {"seed", c.seed}});
  json submissions = json::array();
  for (const auto& s : m.submissions)
    submissions.push_back({{"job_id", s.job_id}, {"indices", s.indices}, {"submitted_at", s.submitted_at}});
  const json j{{"format_version", SweepManifest::kFormatVersion},
               {"created_at", m.created_at},
               {"store", m.store},
               {"program", m.program},
               {"global_args", m.global_args},
               {"bench_args", m.bench_args},
               {"cache_dir", m.cache_dir},
               {"protocol", m.protocol},
               {"protocol_hash", m.protocol_hash},
               {"runs_per_cell", m.runs_per_cell},
               {"cells", cells},
               {"slurm",
                {{"partition", m.slurm.partition},
                 {"time", m.slurm.time},
                 {"gpus_per_task", m.slurm.gpus_per_task},
                 {"cpus_per_task", m.slurm.cpus_per_task},
                 {"mem", m.slurm.mem},
                 {"extra", m.slurm.extra}}},
               {"submissions", submissions}};
  std::filesystem::create_directories(m.dir);
  const std::string file = sweep_manifest_path(m.dir);
  write_file_atomically(file, j.dump(2) + "\n");
}

}  // namespace promptlab

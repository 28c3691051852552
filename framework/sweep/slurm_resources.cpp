#include "sweep/slurm_resources.hpp"

#include <set>
#include <stdexcept>

#include <toml++/toml.h>

namespace promptlab {

SlurmResources SlurmResources::overridden_by(const SlurmResources& over) const {
  SlurmResources r = *this;
  if (!over.partition.empty()) r.partition = over.partition;
  if (!over.time.empty()) r.time = over.time;
  if (over.gpus_per_task > 0) r.gpus_per_task = over.gpus_per_task;
  if (over.cpus_per_task > 0) r.cpus_per_task = over.cpus_per_task;
  if (!over.mem.empty()) r.mem = over.mem;
  r.extra.insert(r.extra.end(), over.extra.begin(), over.extra.end());
  return r;
}

SlurmResources read_slurm_resources(const std::string& path) {
  toml::table table;
  try {
    table = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    throw std::runtime_error("Slurm settings " + path + ": " + std::string(e.description()));
  }
  static const std::set<std::string> known{"partition", "time", "gpus_per_task", "cpus_per_task", "mem",
                                           "sbatch_args"};
  const auto wrong = [&path](const std::string& key, const char* want) {
    return std::runtime_error("Slurm settings " + path + ": key '" + key + "' must be " + want);
  };
  SlurmResources r;
  for (const auto& [k, node] : table) {
    const std::string key(k.str());
    if (!known.count(key)) {
      std::string list;
      for (const auto& n : known) list += (list.empty() ? "" : ", ") + n;
      throw std::runtime_error("Slurm settings " + path + ": unknown key '" + key + "' (known: " + list + ")");
    }
    if (key == "partition" || key == "time" || key == "mem") {
      const auto v = node.value<std::string>();
      if (!v) throw wrong(key, "a string");
      (key == "partition" ? r.partition : key == "time" ? r.time : r.mem) = *v;
    } else if (key == "gpus_per_task" || key == "cpus_per_task") {
      const auto v = node.value<std::int64_t>();
      if (!v || *v < 0 || *v > 4096) throw wrong(key, "a whole number from 0 to 4096");
      (key == "gpus_per_task" ? r.gpus_per_task : r.cpus_per_task) = static_cast<int>(*v);
    } else {
      const toml::array* list = node.as_array();
      if (!list) throw wrong(key, "an array of strings");
      for (const auto& item : *list) {
        const auto v = item.value<std::string>();
        if (!v) throw wrong(key, "an array of strings");
        r.extra.push_back(*v);
      }
    }
  }
  return r;
}

}  // namespace promptlab

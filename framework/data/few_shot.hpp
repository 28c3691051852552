#pragma once
// The few-shot split (docs/protocol.md §6): `shots` train items per class, min(shots, 4) val items.
#include <cstdint>
#include <string>
#include <vector>

#include "promptlab/dataset.hpp"

namespace promptlab {

/// A sampled few-shot split, plus warnings (e.g. a class with fewer than `shots` items).
struct FewShotSplit {
  std::vector<DataItem> train, val;
  std::vector<std::string> warnings;
};

/// Per class, `shots` train items without replacement (all if fewer, with a warning), and
/// min(shots, 4) per class from the val split. Deterministic via promptlab::Rng; shots <= 0
/// means "all items". Items keep the dataset's labels and are ordered by label, then draw.
FewShotSplit sample_few_shot(const Dataset& d, int shots, std::uint64_t seed);

/// Path of the split file: "<dir>/<dataset>/shot_<shots>-seed_<seed>.json".
std::string few_shot_split_path(const Dataset& d, int shots, std::uint64_t seed, const std::string& dir);

/// Reads the split JSON if present (validated against the dataset: every id exists with the
/// same label, else std::runtime_error naming the file), else samples and writes it.
/// The JSON holds {"dataset", "shots", "seed", "classnames", "train": [{"id","label","classname"}], "val": [...]}.
FewShotSplit load_or_sample_few_shot(const Dataset& d, int shots, std::uint64_t seed, const std::string& dir);

}  // namespace promptlab

#pragma once
// A protocol: a named, versioned TOML fixing shots, seeds, datasets, epochs, batch...
// Runs record its content hash; comparisons group only runs of identical protocols.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "promptlab/config.hpp"

namespace promptlab {

/// A loaded protocol file.
struct Protocol {
  std::string name;
  std::int64_t version = 1;
  std::string path;
  std::string hash;                       // sha-like hex digest of the file's content
  std::vector<std::int64_t> shots{16};    // shots per class; several make a few-shot grid (one run each)
  std::vector<std::int64_t> seeds;
  std::vector<std::string> datasets;      // default datasets when the user names none
  std::string subsample = "base2new";     // "base2new" or "all"
  /// Datasets evaluated with the prompt learned on each dataset, after its own test set
  /// (cross-dataset transfer, domain shift); empty for base-to-new and few-shot.
  std::vector<std::string> targets;
  Config defaults;                        // [defaults]: applies to every method
  std::map<std::int64_t, Config> by_shots;  // [shots.<n>]: settings at one shot count (e.g. epochs)
  std::map<std::string, Config> methods;  // [methods.<name>]: per-method settings

  /// The protocol's settings for one method at `shots` (0: the first of `shots`): defaults,
  /// overlaid by [shots.<n>] with data.shots = n, then by [methods.<name>].
  Config for_method(const std::string& method, std::int64_t shots = 0) const;
};

/// Loads a protocol by path, or by name from the protocol directories
/// (./protocols, the source tree, the install prefix). Errors name the file and key.
Protocol load_protocol(const std::string& name_or_path);

/// Names of the protocols found in the protocol directories.
std::vector<std::string> available_protocols();

/// A stable 64-bit FNV-1a digest as 16 hex digits.
std::string content_hash(const std::string& text);

}  // namespace promptlab

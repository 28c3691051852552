#pragma once
// What a learner learned, by name, as stored with a run ("parameters" artifact) and exported:
// a torch.save-compatible archive of a {name: tensor} dict, which PyTorch loads with torch.load.
#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "promptlab/learner.hpp"

namespace promptlab {

/// The learner's trainable tensors (on the CPU) under their module names (e.g. "ctx",
/// "meta_net.linear1.weight"); tensors without a registered name become "param_<i>".
std::vector<std::pair<std::string, torch::Tensor>> named_trainable(Learner& learner);

/// Copies `learned` (as named_trainable names them) into the learner's trainable tensors, on their
/// devices. Throws naming `source` and the tensor when a name is missing or a shape differs.
void load_trainable(Learner& learner, const std::vector<std::pair<std::string, torch::Tensor>>& learned,
                    const std::string& source);

/// Serialises named tensors as a torch.save-compatible archive of a dict.
std::vector<char> save_named_tensors(const std::vector<std::pair<std::string, torch::Tensor>>& tensors);

/// Saves the learner's trained tensors to "<side dir>/rescued/run_<id>.pt" when the store cannot
/// take them; returns the sentence to add to the run's error (where they are, or why not).
std::string rescue_learned(Learner& learner, const std::string& side_dir, std::int64_t run_id);

/// Reads an archive written by save_named_tensors (or, from runs recorded before names were
/// kept, a plain list of tensors: named "param_<i>"). Throws naming `source` when it is neither.
std::vector<std::pair<std::string, torch::Tensor>> load_named_tensors(const std::vector<std::uint8_t>& blob,
                                                                      const std::string& source);

}  // namespace promptlab

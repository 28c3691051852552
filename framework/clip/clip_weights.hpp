#pragma once
// Internal helpers of CLIP weight files (see promptlab/clip_model.hpp for the public API).
#include <torch/torch.h>

#include <map>
#include <string>

#include "promptlab/clip_model.hpp"

namespace promptlab {

/// Format tag stored in promptlab's own CLIP checkpoints.
inline constexpr const char* kClipCheckpointFormat = "promptlab-clip";
/// Version of that format.
inline constexpr std::int64_t kClipCheckpointVersion = 1;

/// Writes a promptlab checkpoint (pickled dict: format, version, config, state of fp32
/// CPU tensors) from any state dict; readable by torch::pickle_load and Python's torch.load.
void write_clip_state(const std::map<std::string, torch::Tensor>& state, const ClipConfig& config,
                                    const std::string& path);

/// True when `path` is a TorchScript archive (OpenAI's release), false for a promptlab
/// checkpoint; throws naming the file when it is neither readable nor a zip archive.
bool is_torchscript_archive(const std::string& path);

}  // namespace promptlab

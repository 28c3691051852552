#pragma once
// Device names as users type them ("cpu", "cuda", "cuda:1"), checked before LibTorch sees them.
#include <torch/torch.h>

#include <string>

namespace promptlab {

/// Parses "cpu", "cuda" or "cuda:N"; throws std::invalid_argument naming `what` (the option or
/// config key) and the value otherwise. CUDA availability is checked by the caller.
torch::Device parse_device(const std::string& text, const std::string& what);

/// Throws std::runtime_error naming `what` and the device when `device` is CUDA and this LibTorch
/// build cannot use it (a CPU build, no driver, or an index past the device count).
void require_usable(const torch::Device& device, const std::string& what);

/// Waits until the work queued on `device` is done (a no-op on the CPU): for timings.
void synchronize(const torch::Device& device);

}  // namespace promptlab

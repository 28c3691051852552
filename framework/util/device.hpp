#pragma once
// Device names as users type them ("cpu", "cuda", "cuda:1"), checked before LibTorch sees them.
#include <torch/torch.h>

#include <string>

namespace promptlab {

/// Parses "cpu", "cuda" or "cuda:N"; throws std::invalid_argument naming `what` (the option or
/// config key) and the value otherwise. CUDA availability is checked by the caller.
torch::Device parse_device(const std::string& text, const std::string& what);

}  // namespace promptlab

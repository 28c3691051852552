#include "util/device.hpp"

#include <torch/cuda.h>

#include <stdexcept>

namespace promptlab {

torch::Device parse_device(const std::string& text, const std::string& what) {
  const std::string expected = what + " must be cpu, cuda or cuda:N, got '" + text + "'";
  if (text == "cpu") return torch::kCPU;
  if (text == "cuda") return torch::kCUDA;
  if (text.rfind("cuda:", 0) == 0 && text.size() > 5) {
    std::size_t used = 0;
    int index = -1;
    try {
      index = std::stoi(text.substr(5), &used);
    } catch (const std::exception&) {
    }
    if (used == text.size() - 5 && index >= 0 && index < 64) return torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(index));
  }
  throw std::invalid_argument(expected);
}

void require_usable(const torch::Device& device, const std::string& what) {
  if (!device.is_cuda()) return;
  if (!torch::cuda::is_available()) {
    throw std::runtime_error(what + "='" + device.str() + "' but this LibTorch build has no usable CUDA device");
  }
  const auto count = static_cast<std::int64_t>(torch::cuda::device_count());
  if (device.has_index() && device.index() >= count) {
    throw std::runtime_error(what + "='" + device.str() + "' but this machine has " + std::to_string(count) +
                             " CUDA device(s), cuda:0 to cuda:" + std::to_string(count - 1));
  }
}

void synchronize(const torch::Device& device) {
  if (device.is_cuda()) torch::cuda::synchronize(device.has_index() ? device.index() : -1);
}

}  // namespace promptlab

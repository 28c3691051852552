#include "util/device.hpp"

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

}  // namespace promptlab

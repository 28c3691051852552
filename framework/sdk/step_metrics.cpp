// Reading a step's numbers off the device: one transfer per device, not one per number.
#include <algorithm>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "promptlab/step_rule.hpp"

namespace promptlab {

namespace {

// Position i's value as a 0-dim double on its own device, or the reason it has none.
torch::Tensor as_double_scalar(const torch::Tensor& t, const std::string& what) {
  if (!t.defined()) throw std::invalid_argument(what + " is an undefined tensor");
  if (t.numel() != 1) {
    throw std::invalid_argument(what + " must hold one number, but its shape is " + c10::str(t.sizes()));
  }
  return t.detach().reshape({}).to(torch::kDouble);
}

std::vector<double> read_named(const std::vector<torch::Tensor>& values, const std::vector<std::string>& names) {
  std::vector<double> out(values.size());
  // Tensors grouped by device; each non-CPU group is stacked and copied to the host once.
  std::vector<std::pair<torch::Device, std::vector<std::size_t>>> groups;
  std::vector<torch::Tensor> scalars(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    scalars[i] = as_double_scalar(values[i], names[i]);
    const torch::Device device = scalars[i].device();
    auto it = std::find_if(groups.begin(), groups.end(), [&](const auto& g) { return g.first == device; });
    if (it == groups.end()) it = groups.insert(groups.end(), {device, {}});
    it->second.push_back(i);
  }
  for (const auto& [device, members] : groups) {
    std::vector<torch::Tensor> part;
    part.reserve(members.size());
    for (std::size_t i : members) part.push_back(scalars[i]);
    const torch::Tensor host = device.is_cpu() ? torch::stack(part) : torch::stack(part).to(torch::kCPU);
    const double* data = host.data_ptr<double>();
    for (std::size_t k = 0; k < members.size(); ++k) out[members[k]] = data[k];
  }
  return out;
}

}  // namespace

std::vector<double> read_scalars(const std::vector<torch::Tensor>& values, const std::vector<std::string>& names) {
  if (!names.empty() && names.size() != values.size()) {
    throw std::invalid_argument("read_scalars: " + std::to_string(names.size()) + " names for " +
                                std::to_string(values.size()) + " values");
  }
  if (!names.empty()) return read_named(values, names);
  std::vector<std::string> positions;
  positions.reserve(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) positions.push_back("value " + std::to_string(i));
  return read_named(values, positions);
}

std::map<std::string, double> read_metrics(const StepMetrics& metrics) {
  std::vector<torch::Tensor> values;
  std::vector<std::string> names;
  for (const auto& [name, metric] : metrics) {
    values.push_back(metric.tensor());
    names.push_back("the metric \"" + name + "\"");
  }
  const std::vector<double> read = read_scalars(values, names);
  std::map<std::string, double> out;
  std::size_t i = 0;
  for (const auto& [name, metric] : metrics) out[name] = read[i++];
  return out;
}

}  // namespace promptlab

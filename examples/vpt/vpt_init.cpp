#include "vpt_init.hpp"

#include <cmath>
#include <stdexcept>

namespace vpt {

double init_bound(std::int64_t patch, std::int64_t width) {
  if (patch <= 0 || width <= 0) throw std::invalid_argument("vpt: patch size and width must be positive");
  return std::sqrt(6.0 / static_cast<double>(3 * patch * patch + width));
}

torch::Tensor initial_prompts(std::int64_t depth, std::int64_t n_tokens, std::int64_t patch, std::int64_t width,
                              torch::Generator generator) {
  const double bound = init_bound(patch, width);
  return torch::empty({depth, n_tokens, width}).uniform_(-bound, bound, generator);
}

std::vector<torch::Tensor> per_layer(const torch::Tensor& prompts) {
  std::vector<torch::Tensor> layers;
  for (std::int64_t i = 0; i < prompts.size(0); ++i) layers.push_back(prompts[i]);
  return layers;
}

std::vector<torch::Tensor> language_layers(const torch::Tensor& prompts) {
  std::vector<torch::Tensor> layers{torch::Tensor()};
  for (std::int64_t i = 0; i < prompts.size(0); ++i) layers.push_back(prompts[i]);
  return layers;
}

}  // namespace vpt

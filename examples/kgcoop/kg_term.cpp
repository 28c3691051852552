#include "kg_term.hpp"

#include <stdexcept>

namespace kgcoop {

torch::Tensor kg_term(const torch::Tensor& learned, const torch::Tensor& hand_written, double weight) {
  if (learned.sizes() != hand_written.sizes()) {
    throw std::invalid_argument("kgcoop: learned features " + c10::str(learned.sizes()) +
                                " and hand-written features " + c10::str(hand_written.sizes()) + " differ in shape");
  }
  const torch::Tensor cos = torch::nn::functional::cosine_similarity(
      learned.to(torch::kFloat), hand_written.to(torch::kFloat),
      torch::nn::functional::CosineSimilarityFuncOptions().dim(1).eps(1e-7));
  return weight * (1.0 - cos.mean());
}

}  // namespace kgcoop

#include "train/run_sharpness.hpp"

#include <algorithm>

#include "train/batch_objective.hpp"
#include "train/sharpness.hpp"

namespace promptlab {

std::map<std::string, double> run_sharpness(Learner& learner, const TrainData& data, std::int64_t batch_size,
                                            std::uint64_t seed) {
  const std::int64_t n = data.labels.size(0);
  const std::int64_t k = std::min<std::int64_t>(std::max<std::int64_t>(batch_size, 1), n);
  if (k == 0 || data.view_count() == 0) return {};
  // Evenly spaced over the set, so that a set ordered by class gives every class its share.
  const torch::Tensor picked = torch::linspace(0, static_cast<double>(n - 1), k, torch::kDouble).round().to(torch::kLong);
  const torch::Tensor x = data.rows(0, picked);
  const torch::Tensor y = data.labels.index_select(0, picked.to(data.labels.device())).to(x.device());
  const std::vector<torch::Tensor> params = learner.trainable_parameters();
  const LossOfParameters loss = [&]() { return BatchObjective(learner, x, y).training_loss(); };
  std::map<std::string, double> m;
  const RhoBallSharpness ball = rho_ball_sharpness(loss, params, kSharpnessRho);
  m["train_loss_final"] = ball.loss;
  m["sharpness"] = ball.increase;
  m["sharpness_rho"] = kSharpnessRho;
  const EigenEstimate top = top_hessian_eigenvalue(loss, params, kHessianIterations, kHessianTolerance, seed);
  m["hessian_top_eig"] = top.value;
  m["hessian_iterations"] = top.iterations;
  m["hessian_converged"] = top.converged ? 1.0 : 0.0;
  return m;
}

}  // namespace promptlab

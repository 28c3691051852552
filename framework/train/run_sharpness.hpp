#pragma once
// The end of every training run: how sharp its training loss is around the learned parameters,
// recorded beside the final loss (run_metrics), so that a query can set loss value and sharpness
// against base and new accuracy across runs (docs/protocol.md §13).
#include <cstdint>
#include <map>
#include <string>

#include "promptlab/learner.hpp"
#include "train/trainer.hpp"

namespace promptlab {

/// The rho of the recorded rho-ball sharpness: SAM's usual value (Foret et al., ICLR 2021), one for
/// every method, so that runs of CoOp, SAM and GCSCoOp compare on one scale.
inline constexpr double kSharpnessRho = 0.05;
/// Power-iteration budget and relative tolerance of the recorded top Hessian eigenvalue.
inline constexpr int kHessianIterations = 20;
inline constexpr double kHessianTolerance = 1e-3;

/// On `batch_size` training examples spread evenly over the training set (view 0): the training
/// loss (train_loss_final), its rho-ball sharpness (sharpness, with sharpness_rho), and the top
/// Hessian eigenvalue (hessian_top_eig, with hessian_iterations and hessian_converged 0/1). The
/// learner's parameters are left exactly as trained; the global RNG is untouched.
std::map<std::string, double> run_sharpness(Learner& learner, const TrainData& data, std::int64_t batch_size,
                                            std::uint64_t seed);

}  // namespace promptlab

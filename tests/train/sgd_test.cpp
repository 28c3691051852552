#include <gtest/gtest.h>

#include "train/sgd.hpp"

using promptlab::Sgd;
using promptlab::SgdOptions;

TEST(Sgd, MomentumAndWeightDecayMatchHandComputation) {
  torch::Tensor w = torch::tensor({1.0, -2.0}, torch::kFloat64);
  SgdOptions o;
  o.lr = 0.1;
  o.momentum = 0.9;
  o.weight_decay = 0.01;
  Sgd sgd({w}, o);
  // step 1: g = (0.5, 0.5); d = g + 0.01*w = (0.51, 0.48); buf = d; w -= 0.1*buf
  w.mutable_grad() = torch::tensor({0.5, 0.5}, torch::kFloat64);
  sgd.step();
  EXPECT_NEAR(w[0].item<double>(), 1.0 - 0.051, 1e-12);
  EXPECT_NEAR(w[1].item<double>(), -2.0 - 0.048, 1e-12);
  // step 2: g = (0, 0); d = 0.01*w; buf = 0.9*buf + d
  const double w0 = w[0].item<double>();
  w.mutable_grad() = torch::zeros({2}, torch::kFloat64);
  sgd.step();
  const double buf0 = 0.9 * 0.51 + 0.01 * w0;
  EXPECT_NEAR(w[0].item<double>(), w0 - 0.1 * buf0, 1e-12);
}

TEST(Sgd, SkipsParametersWithoutGradient) {
  torch::Tensor w = torch::ones({3});
  Sgd sgd({w}, SgdOptions{});
  sgd.step();
  EXPECT_TRUE(torch::equal(w, torch::ones({3})));
}

TEST(Sgd, SetLrChangesTheStepSize) {
  torch::Tensor w = torch::zeros({1}, torch::kFloat64);
  SgdOptions o;
  o.momentum = 0;
  o.weight_decay = 0;
  Sgd sgd({w}, o);
  sgd.set_lr(0.5);
  w.mutable_grad() = torch::ones({1}, torch::kFloat64);
  sgd.step();
  EXPECT_DOUBLE_EQ(w.item<double>(), -0.5);
}

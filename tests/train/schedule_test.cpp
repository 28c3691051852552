#include <gtest/gtest.h>

#include <cmath>

#include "train/schedule.hpp"

using promptlab::lr_at_epoch;
using promptlab::ScheduleOptions;

TEST(Schedule, WarmupEpochUsesConstantLr) {
  ScheduleOptions o{0.002, 200, 1, 1e-5};
  EXPECT_DOUBLE_EQ(lr_at_epoch(0, o), 1e-5);
}

TEST(Schedule, CosineStartsAtBaseAfterWarmup) {
  ScheduleOptions o{0.002, 200, 1, 1e-5};
  EXPECT_DOUBLE_EQ(lr_at_epoch(1, o), 0.002);
  // epoch e uses 0.5*lr*(1+cos(pi*(e-1)/max_epoch))
  EXPECT_NEAR(lr_at_epoch(101, o), 0.001, 1e-15);
  EXPECT_NEAR(lr_at_epoch(51, o), 0.5 * 0.002 * (1 + std::cos(M_PI * 50.0 / 200.0)), 1e-15);
}

TEST(Schedule, NoWarmupStartsCosineAtZero) {
  ScheduleOptions o{0.1, 10, 0, 1e-5};
  EXPECT_DOUBLE_EQ(lr_at_epoch(0, o), 0.1);
  EXPECT_NEAR(lr_at_epoch(5, o), 0.05, 1e-15);
}

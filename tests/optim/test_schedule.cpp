// Learning-rate schedules at chosen steps: 0, W-1, W, the middle of the decay, T, T+5.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "core/error.h"
#include "optim/schedule.h"

namespace sf {
namespace {

constexpr double kMax = 1e-3, kMin = 1e-4;
constexpr int64_t kWarmup = 10, kDecay = 110;  // middle of the decay: t = 60

TEST(Schedule, CosineWithWarmupFollowsNanoGpt) {
  LrSchedule s(ScheduleKind::cosine, kMax, kMin, kWarmup, kDecay);
  EXPECT_DOUBLE_EQ(s.lr(0), kMax * 1 / 11);
  EXPECT_DOUBLE_EQ(s.lr(kWarmup - 1), kMax * 10 / 11);
  EXPECT_DOUBLE_EQ(s.lr(kWarmup), kMax);
  EXPECT_DOUBLE_EQ(s.lr(60), (kMax + kMin) / 2);
  EXPECT_DOUBLE_EQ(s.lr(35), kMin + 0.5 * (1 + std::cos(std::numbers::pi / 4)) * (kMax - kMin));
  EXPECT_DOUBLE_EQ(s.lr(kDecay), kMin);
  EXPECT_DOUBLE_EQ(s.lr(kDecay + 5), kMin);
  for (int64_t t = kWarmup; t < kDecay; ++t) EXPECT_GT(s.lr(t), s.lr(t + 1)) << t;  // decays monotonically
}

TEST(Schedule, LinearWarmsUpThenDecaysLinearlyToMinLr) {
  LrSchedule s(ScheduleKind::linear, kMax, kMin, kWarmup, kDecay);
  EXPECT_DOUBLE_EQ(s.lr(0), kMax / 11);
  EXPECT_DOUBLE_EQ(s.lr(kWarmup - 1), kMax * 10 / 11);
  EXPECT_DOUBLE_EQ(s.lr(kWarmup), kMax);
  EXPECT_DOUBLE_EQ(s.lr(60), (kMax + kMin) / 2);
  EXPECT_DOUBLE_EQ(s.lr(35), kMax + 0.25 * (kMin - kMax));
  EXPECT_DOUBLE_EQ(s.lr(kDecay), kMin);
  EXPECT_DOUBLE_EQ(s.lr(kDecay + 5), kMin);
}

TEST(Schedule, ConstantHoldsMaxLrAfterItsWarmup) {
  LrSchedule warm(ScheduleKind::constant, kMax, kMin, kWarmup, kDecay);
  EXPECT_DOUBLE_EQ(warm.lr(0), kMax / 11);
  EXPECT_DOUBLE_EQ(warm.lr(kWarmup), kMax);
  EXPECT_DOUBLE_EQ(warm.lr(kDecay + 5), kMax);
  LrSchedule flat(ScheduleKind::constant, kMax, kMin, 0, 0);
  EXPECT_DOUBLE_EQ(flat.lr(0), kMax);
  EXPECT_DOUBLE_EQ(flat.lr(1000), kMax);
}

TEST(Schedule, EmptyDecayAndRunsShorterThanTheWarmup) {
  LrSchedule same(ScheduleKind::cosine, kMax, kMin, 10, 10);  // T = W: no decay phase
  EXPECT_DOUBLE_EQ(same.lr(10), kMax);
  EXPECT_DOUBLE_EQ(same.lr(11), kMin);
  LrSchedule shorter(ScheduleKind::cosine, kMax, kMin, 100, 20);  // warm-up wins while t < W
  EXPECT_DOUBLE_EQ(shorter.lr(50), kMax * 51 / 101);
  EXPECT_DOUBLE_EQ(shorter.lr(100), kMin);
}

TEST(Schedule, BuiltFromConfigWithDecayStepsZeroMeaningTheWholeRun) {
  OptimConfig config;
  config.lr = kMax;
  config.min_lr = kMin;
  config.warmup_steps = kWarmup;
  config.decay_steps = 0;
  LrSchedule s = make_schedule(config, 500);
  EXPECT_EQ(s.kind(), ScheduleKind::cosine);
  EXPECT_EQ(s.decay_steps(), 500);
  EXPECT_DOUBLE_EQ(s.lr(255), (kMax + kMin) / 2);
  config.decay_steps = kDecay;
  config.schedule = ScheduleKind::linear;
  LrSchedule l = make_schedule(config, 500);
  EXPECT_EQ(l.decay_steps(), kDecay);
  EXPECT_DOUBLE_EQ(l.lr(60), (kMax + kMin) / 2);
}

TEST(Schedule, RejectsNegativeValues) {
  EXPECT_THROW(LrSchedule(ScheduleKind::cosine, -1.0, 0.0, 0, 0), Error);
  EXPECT_THROW(LrSchedule(ScheduleKind::cosine, 1.0, 0.0, -1, 0), Error);
  LrSchedule s(ScheduleKind::cosine, kMax, kMin, kWarmup, kDecay);
  EXPECT_THROW(s.lr(-1), Error);
}

}  // namespace
}  // namespace sf

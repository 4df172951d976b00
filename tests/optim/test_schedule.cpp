// Learning-rate schedules at chosen steps: 0, W-1, W, the middle of the decay, T, T+5.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>

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

// A warning comes exactly when the run never reaches optim.lr, and says what the schedule does instead.
TEST(Schedule, WarnsWhenTheRunNeverReachesThePeakOrTheDecayEndsInsideTheWarmup) {
  struct Case {
    const char* name;
    ScheduleKind kind;
    int64_t steps, warmup, decay;
    const char* warning;  // "" = none
  };
  const Case cases[] = {
      {"steps_below_warmup", ScheduleKind::cosine, 50, 100, 0,
       "train.steps 50 <= optim.warmup_steps 100: the learning rate never reaches optim.lr 0.001 (the last step's "
       "is 0.00049505)"},
      {"steps_equal_warmup", ScheduleKind::linear, 100, 100, 0,
       "train.steps 100 <= optim.warmup_steps 100: the learning rate never reaches optim.lr 0.001 (the last step's "
       "is 0.000990099)"},
      {"constant_schedule_warms_up_too", ScheduleKind::constant, 5, 10, 0, "train.steps 5 <= optim.warmup_steps 10"},
      {"one_step_past_warmup", ScheduleKind::cosine, 101, 100, 0, ""},
      {"no_warmup", ScheduleKind::cosine, 1, 0, 0, ""},
      {"decay_ends_inside_warmup", ScheduleKind::cosine, 300, 100, 50,
       "optim.decay_steps 50 < optim.warmup_steps 100: the learning rate never reaches optim.lr 0.001 (it climbs to "
       "0.000990099 in the warm-up, then drops to optim.min_lr 0.0001 at step 101)"},
      {"decay_ends_with_warmup", ScheduleKind::linear, 300, 100, 100, ""},
      {"constant_has_no_decay", ScheduleKind::constant, 300, 100, 50, ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    OptimConfig config;
    config.lr = kMax;
    config.min_lr = kMin;
    config.schedule = c.kind;
    config.warmup_steps = c.warmup;
    config.decay_steps = c.decay;
    const std::string warning = schedule_warning(config, c.steps);
    EXPECT_EQ(warning.substr(0, std::string(c.warning).size()), c.warning);
    EXPECT_EQ(warning.empty(), std::string(c.warning).empty()) << warning;
    // What the schedule does over the run's 0-based steps.
    const LrSchedule s = make_schedule(config, c.steps);
    double highest = 0;
    for (int64_t t = 0; t < c.steps; ++t) highest = std::max(highest, s.lr(t));
    const bool reaches_peak = highest == kMax;
    EXPECT_EQ(reaches_peak, warning.find("never reaches") == std::string::npos) << "highest " << highest;
    if (warning.find("drops to") != std::string::npos) EXPECT_EQ(s.lr(c.warmup), kMin);  // 1-based step warmup + 1
  }
}

}  // namespace
}  // namespace sf

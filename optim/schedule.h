// Learning-rate schedules: the rate for optimizer step t (0-based), passed to Optimizer::step.
//
// All kinds share a linear warm-up over the first W steps in nanoGPT's form, η_max·(t+1)/(W+1)
// (never 0, so step 0 already moves), then:
//   cosine:   W ≤ t ≤ T: η_min + ½(1 + cos(π(t−W)/(T−W)))(η_max − η_min);   t > T: η_min
//   linear:   W ≤ t ≤ T: η_max + (t−W)/(T−W)·(η_min − η_max);               t > T: η_min
//   constant: η_max (W = 0 gives a constant rate from step 0, MeZO's schedule)
// T is the last step of the decay; with T ≤ W the decay is empty (η_max at t = W when T = W).
#pragma once
#include <cstdint>
#include <string>

#include "config/run_config.h"

namespace sf {

class LrSchedule {
 public:
  LrSchedule(ScheduleKind kind, double max_lr, double min_lr, int64_t warmup_steps, int64_t decay_steps);

  double lr(int64_t step) const;

  ScheduleKind kind() const { return kind_; }
  double max_lr() const { return max_lr_; }
  double min_lr() const { return min_lr_; }
  int64_t warmup_steps() const { return warmup_; }
  int64_t decay_steps() const { return decay_; }

 private:
  ScheduleKind kind_;
  double max_lr_, min_lr_;
  int64_t warmup_, decay_;
};

// From the optim: section; decay_steps 0 means "decay until the last step" (total_steps).
LrSchedule make_schedule(const OptimConfig& config, int64_t total_steps);

// When the learning rate of a run of `total_steps` never reaches optim.lr (the run, or the decay,
// ends inside the warm-up): one sentence naming the keys, their values and the rates the run does
// reach. Empty otherwise.
std::string schedule_warning(const OptimConfig& config, int64_t total_steps);

}  // namespace sf

#include "optim/schedule.h"

#include <cmath>
#include <numbers>

#include "core/error.h"

namespace sf {

LrSchedule::LrSchedule(ScheduleKind kind, double max_lr, double min_lr, int64_t warmup_steps, int64_t decay_steps)
    : kind_(kind), max_lr_(max_lr), min_lr_(min_lr), warmup_(warmup_steps), decay_(decay_steps) {
  SF_CHECK(std::isfinite(max_lr) && max_lr >= 0, "schedule: lr ", max_lr, " must be finite and >= 0");
  SF_CHECK(std::isfinite(min_lr) && min_lr >= 0, "schedule: min_lr ", min_lr, " must be finite and >= 0");
  SF_CHECK(warmup_steps >= 0, "schedule: warmup_steps ", warmup_steps, " must be >= 0");
  SF_CHECK(decay_steps >= 0, "schedule: decay_steps ", decay_steps, " must be >= 0");
}

double LrSchedule::lr(int64_t step) const {
  SF_CHECK(step >= 0, "schedule: step ", step, " must be >= 0");
  if (step < warmup_) return max_lr_ * static_cast<double>(step + 1) / static_cast<double>(warmup_ + 1);
  if (kind_ == ScheduleKind::constant) return max_lr_;
  if (step > decay_) return min_lr_;
  if (decay_ == warmup_) return max_lr_;
  const double progress = static_cast<double>(step - warmup_) / static_cast<double>(decay_ - warmup_);
  if (kind_ == ScheduleKind::linear) return max_lr_ + progress * (min_lr_ - max_lr_);
  return min_lr_ + 0.5 * (1.0 + std::cos(std::numbers::pi * progress)) * (max_lr_ - min_lr_);
}

LrSchedule make_schedule(const OptimConfig& config, int64_t total_steps) {
  SF_CHECK(total_steps >= 0, "schedule: total steps ", total_steps, " must be >= 0");
  const int64_t decay = config.decay_steps == 0 ? total_steps : config.decay_steps;
  return LrSchedule(config.schedule, config.lr, config.min_lr, config.warmup_steps, decay);
}

std::string schedule_warning(const OptimConfig& config, int64_t total_steps) {
  using detail::cat;
  const LrSchedule s = make_schedule(config, total_steps);
  const std::string never = cat(": the learning rate never reaches optim.lr ", config.lr, " (");
  if (total_steps <= config.warmup_steps) {  // the peak comes at 0-based step warmup_steps
    return cat("train.steps ", total_steps, " <= optim.warmup_steps ", config.warmup_steps, never,
               "the last step's is ", s.lr(total_steps - 1), ")");
  }
  if (config.schedule != ScheduleKind::constant && s.decay_steps() < config.warmup_steps) {
    return cat("optim.decay_steps ", s.decay_steps(), " < optim.warmup_steps ", config.warmup_steps, never,
               "it climbs to ", s.lr(config.warmup_steps - 1), " in the warm-up, then drops to optim.min_lr ",
               config.min_lr, " at step ", config.warmup_steps + 1, ")");
  }
  return "";
}

}  // namespace sf

// The divergence guard: a step whose loss or gradient norm is NaN/Inf is not applied (the optimizer
// skips it, the step is retried on the next batch); after more than train.max_bad_steps such steps in
// a row the run stops with an error and leaves its checkpoints as they are.
#pragma once
#include <cstdint>
#include <string>

namespace sf {

class DivergenceGuard {
 public:
  // `checkpoint_dir` is named in the final message (where the last good checkpoint is).
  DivergenceGuard(int64_t max_bad_steps, std::string checkpoint_dir);

  // True when `loss` and `grad_norm` are finite (the step may be applied). Otherwise counts a bad
  // step and returns false, or throws sf::Error when this one is more than max_bad_steps in a row.
  bool admit(int64_t step, double loss, double grad_norm);
  // The log line for the step admit() just refused.
  std::string skip_message(int64_t step, double loss, double grad_norm) const;

  int64_t consecutive() const { return consecutive_; }
  int64_t total_skipped() const { return total_; }

 private:
  int64_t max_bad_steps_;
  std::string checkpoint_dir_;
  int64_t consecutive_ = 0;
  int64_t total_ = 0;
};

}  // namespace sf

#include "train/divergence.h"

#include <cmath>

#include "core/error.h"
#include "train/checkpoint.h"

namespace sf {

DivergenceGuard::DivergenceGuard(int64_t max_bad_steps, std::string checkpoint_dir)
    : max_bad_steps_(max_bad_steps), checkpoint_dir_(std::move(checkpoint_dir)) {}

bool DivergenceGuard::admit(int64_t step, double loss, double grad_norm) {
  if (std::isfinite(loss) && std::isfinite(grad_norm)) {
    consecutive_ = 0;
    return true;
  }
  ++consecutive_;
  ++total_;
  if (consecutive_ > max_bad_steps_) {
    const std::string last = latest_checkpoint(checkpoint_dir_);
    throw Error(detail::cat("training diverged: ", consecutive_,
                            " steps in a row had a non-finite loss or gradient norm (at step ", step, ": loss ",
                            loss, ", grad-norm ", grad_norm, "), more than train.max_bad_steps = ", max_bad_steps_,
                            ". Stopped without saving; ",
                            last.empty() ? "no checkpoint was written yet" : "the last good checkpoint is " + last,
                            ". Lower optim.lr, set optim.grad_clip, or run with --check-nan to find the op."));
  }
  return false;
}

std::string DivergenceGuard::skip_message(int64_t step, double loss, double grad_norm) const {
  return detail::cat("step ", step, " skipped: non-finite loss ", loss, " or grad-norm ", grad_norm, " (",
                     consecutive_, " in a row, ", total_, " skipped in total; limit train.max_bad_steps = ",
                     max_bad_steps_, ")");
}

}  // namespace sf

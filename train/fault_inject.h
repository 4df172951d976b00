// Failures on purpose, for the tests of what a crash or a full disk leaves behind. The environment
// variable SF_FAULT_INJECT lists the points that fire, comma-separated: "point" fires every time,
// "point@N" once, the first time step N comes by. Read once, here only; with the variable unset every check is false.
//
//   checkpoint_write   saving a checkpoint fails half-way, as on a full disk (an sf::Error)
//   checkpoint_kill    the process SIGKILLs itself half-way through writing a checkpoint
//   nonfinite_loss     the step's loss reads as NaN (exercises the divergence guard)
//   step_kill          the process SIGKILLs itself right after the step (its metrics line is written)
#pragma once
#include <cstdint>
#include <string_view>

namespace sf {

// True when SF_FAULT_INJECT names `point` without a step, or as "point@<step>" not fired before.
// Not thread-safe: call from the training thread.
bool fault_injected(std::string_view point, int64_t step = -1);

}  // namespace sf

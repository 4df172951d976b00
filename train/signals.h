// Stopping a run from the outside without losing it. After install_stop_handlers(), the first
// SIGINT or SIGTERM only raises a flag: the training loop finishes its step, saves a checkpoint and
// returns (the CLI then exits 0). A second signal ends the process at once with 128 + signal number.
#pragma once

namespace sf {

void install_stop_handlers();
// True once a stop signal arrived; the signal's number (0 = none).
bool stop_requested();
int stop_signal();

}  // namespace sf

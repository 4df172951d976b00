#include "train/signals.h"

#include <unistd.h>

#include <csignal>
#include <cstring>

namespace sf {
namespace {

volatile std::sig_atomic_t g_signal = 0;

// Only async-signal-safe calls here: write(2) and _exit(2).
void on_stop_signal(int sig) {
  if (g_signal != 0) {
    constexpr char kNow[] = "\nseqforge: second signal, exiting now without saving\n";
    (void)!::write(STDERR_FILENO, kNow, sizeof(kNow) - 1);
    ::_exit(128 + sig);
  }
  g_signal = sig;
  constexpr char kLater[] = "\nseqforge: stopping after this step and saving a checkpoint (signal again to quit now)\n";
  (void)!::write(STDERR_FILENO, kLater, sizeof(kLater) - 1);
}

}  // namespace

void install_stop_handlers() {
  struct sigaction action;
  std::memset(&action, 0, sizeof(action));
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;  // a blocking read or write in the step carries on
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

bool stop_requested() { return g_signal != 0; }
int stop_signal() { return g_signal; }

}  // namespace sf

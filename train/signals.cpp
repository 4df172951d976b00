#include "train/signals.h"

#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <mutex>
#include <string>
#include <thread>

namespace sf {
namespace {

std::atomic<int> g_signal{0};
std::atomic<bool> g_armed{false};
std::atomic<const char*> g_activity{"setup"};
std::atomic<int64_t> g_step{-1};
std::atomic<void (*)(int)> g_forward{nullptr};

sigset_t stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

void say(const std::string& text) { (void)!::write(STDERR_FILENO, text.data(), text.size()); }

// The signal's default action, as if it had never been blocked: it ends the process.
[[noreturn]] void default_action(int sig) {
  std::signal(sig, SIG_DFL);
  sigset_t one;
  sigemptyset(&one);
  sigaddset(&one, sig);
  pthread_sigmask(SIG_UNBLOCK, &one, nullptr);
  raise(sig);  // pending on this thread, which now lets it through
  _exit(128 + sig);
}

[[noreturn]] void take_signals() {
  const sigset_t set = stop_signals();
  for (;;) {
    int sig = 0;
    if (sigwait(&set, &sig) != 0) continue;
    if (!g_armed.load()) default_action(sig);
    if (void (*forward)(int) = g_forward.load(); forward != nullptr) forward(sig);
    if (g_signal.load() != 0) {
      say("\nseqforge: second signal, exiting now without saving\n");
      _exit(128 + sig);
    }
    g_signal.store(sig);
    const int64_t step = g_step.load(std::memory_order_relaxed);
    say(std::string("\nseqforge: ") + (sig == SIGINT ? "SIGINT" : "SIGTERM") + " during " +
        g_activity.load(std::memory_order_relaxed) + (step >= 0 ? " of step " + std::to_string(step) : "") +
        ": stopping after this step and saving a checkpoint (signal again to quit now)\n");
  }
}

}  // namespace

void start_signal_thread() {
  static std::once_flag once;
  std::call_once(once, [] {
    const sigset_t set = stop_signals();
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    std::thread(take_signals).detach();
  });
}

StopOnSignal::StopOnSignal() {
  start_signal_thread();
  g_signal.store(0);
  set_activity("setup", -1);
  g_armed.store(true);
}

StopOnSignal::~StopOnSignal() { g_armed.store(false); }

void forward_stop_signals(void (*forward)(int)) { g_forward.store(forward); }

bool stop_requested() { return g_signal.load() != 0; }
int stop_signal() { return g_signal.load(); }

void set_activity(const char* what, int64_t step) {
  g_activity.store(what, std::memory_order_relaxed);
  g_step.store(step, std::memory_order_relaxed);
}

}  // namespace sf

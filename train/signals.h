// Stopping a run from the outside without losing it. While a StopOnSignal lives, the first SIGINT or
// SIGTERM only raises a flag: the training loop finishes its step, saves a checkpoint and returns (the
// CLI then exits 0). A second signal ends the process at once with exit code 128 + signal number.
// Outside a StopOnSignal the two signals keep their default action (the process ends).
//
// Why no signal handler: no thread may ever be interrupted by one. Debian's oneDNN 2.6 JIT GEMM kernels
// (jit_avx512_common_gemm_f32) point rsp into a heap buffer while they run (oneDNN issue 4845, fixed in
// 3.11), so a handler run on a thread inside such a kernel pushes its signal frame into the heap and
// corrupts it ("corrupted size vs. prev_size", a segfault, or wrong results). start_signal_thread()
// blocks both signals before any other thread exists, so every thread (OpenMP workers, MPI's) inherits
// the block, and one thread that runs no GEMM takes them with sigwait().
#pragma once
#include <cstdint>

namespace sf {

// Call first in main(), before any thread is created; later calls do nothing.
void start_signal_thread();

// Arms the stop flag for its lifetime (seqforge train). Clears any earlier stop request.
class StopOnSignal {
 public:
  StopOnSignal();
  ~StopOnSignal();
  StopOnSignal(const StopOnSignal&) = delete;
  StopOnSignal& operator=(const StopOnSignal&) = delete;
};

// Calls `forward(signal)` from the signal thread on every SIGINT/SIGTERM while a StopOnSignal lives,
// before acting on it (a second signal then still ends this process): `seqforge ablate` passes each one
// on to its training processes. nullptr stops forwarding. `forward` runs on the signal thread, next to
// the others: it may only touch what is safe to share (atomics).
void forward_stop_signals(void (*forward)(int signal));

// True once a stop signal arrived; the signal's number (0 = none).
bool stop_requested();
int stop_signal();

// What the run is doing, named in the message printed when a stop signal arrives ("during backward of
// step 12"). `what` must be a string literal; `step` is the step being computed.
void set_activity(const char* what, int64_t step);

}  // namespace sf

// The results of a sweep: one row per run, read back from the run directories (metrics.jsonl and the
// newest checkpoint), and the tables `seqforge ablate` writes: DIR/results.csv (a row per run) and
// DIR/results.md (a row per variant, mean ± std over its seeds, then the runs).
//
// Targets: a run whose variant names a reference: (train/sweep.h), and every run some other run refers to,
// gets a target, the reference run's final validation loss (a referenced run's is its own), and the first
// logged step whose validation loss is at or below it with the run's elapsed_s at that line (the wall time to
// reach it, evaluations included); "not reached" when no evaluation gets there.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "train/sweep.h"

namespace sf {

struct RunResult {
  std::string variant, dir;
  int64_t seed = -1;
  std::string status;        // "done", "stopped at step k of N", "not started", "failed"
  int64_t parameters = 0;    // from the newest checkpoint, frozen ones included; 0 without one
  int64_t trainable = 0;     // of those, what the run trained (adapters, less adapter.freeze); 0 without one
  int64_t steps = 0;         // last logged step
  double train_loss = NAN;   // last logged training loss
  double val_loss = NAN;     // last validation loss
  double best_val_loss = NAN;
  double val_accuracy = NAN;  // tasks that score accuracy
  double tokens_per_s = NAN;  // median of the logged windows
  double step_ms = NAN;       // median ms per optimizer step of the logged windows
  double wall_s = NAN;        // the run's elapsed time at its last log line, across resumes
  double peak_rss_mib = NAN;
  std::vector<std::pair<std::string, std::string>> swept;
  std::string reference;  // SweepRun::reference
  struct Eval {
    int64_t step;
    double val_loss, elapsed_s;
  };
  std::vector<Eval> evals;  // every logged validation, in order
};

// A run's target and when it got there (NaN / -1 where not set or not reached).
struct TargetResult {
  double target = NAN;
  int64_t step = -1;
  double elapsed_s = NAN;
};
// The target of results[i] as the header describes; no target when neither it nor another run names a
// reference, or when the reference run has no validation loss.
TargetResult target_result(const std::vector<RunResult>& results, size_t i);

// Reads the run in `run_dir`; `target_steps` is its config's train.steps; `failed` marks a run whose
// process failed (its numbers are still read).
RunResult read_run_result(const SweepRun& run, const std::string& run_dir, int64_t target_steps, bool failed);

// Writes results.csv and results.md into `dir` (each replaced atomically).
void write_sweep_results(const Sweep& sweep, const std::vector<RunResult>& results, const std::string& dir);

// results.md's text.
std::string results_markdown(const Sweep& sweep, const std::vector<RunResult>& results);

}  // namespace sf

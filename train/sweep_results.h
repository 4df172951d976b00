// The results of a sweep: one row per run, read back from the run directories (metrics.jsonl and the
// newest checkpoint), and the tables `seqforge ablate` writes: DIR/results.csv (a row per run) and
// DIR/results.md (a row per variant, mean ± std over its seeds, then the runs).
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
  double wall_s = NAN;        // the run's elapsed time at its last log line, across resumes
  double peak_rss_mib = NAN;
  std::vector<std::pair<std::string, std::string>> swept;
};

// Reads the run in `run_dir`; `target_steps` is its config's train.steps; `failed` marks a run whose
// process failed (its numbers are still read).
RunResult read_run_result(const SweepRun& run, const std::string& run_dir, int64_t target_steps, bool failed);

// Writes results.csv and results.md into `dir` (each replaced atomically).
void write_sweep_results(const Sweep& sweep, const std::vector<RunResult>& results, const std::string& dir);

// results.md's text.
std::string results_markdown(const Sweep& sweep, const std::vector<RunResult>& results);

}  // namespace sf

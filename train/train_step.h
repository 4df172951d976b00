// One training step, the seam between the training loop (Trainer::run, `seqforge bench`) and the method that
// computes an update. A step is prepared, then applied or discarded:
//
//   outcome = step.prepare(t, ...)   the forward work and everything up to the update
//   if (guard admits outcome)        (train/divergence.h: a NaN/Inf loss or norm skips the step)
//     step.apply(lr)
//   else step.discard()
//
// BackpropStep: micro-batches forward and backward (train.grad_accum), the data-parallel gradient average,
// the optimizer's transform_gradients() (preconditioners), global-norm clipping, then optimizer.step(lr).
// MezoStep: forward passes only (optim/mezo.h): for each direction the objective at θ ± εz on one batch, in
// eval mode without gradients; with several ranks ℓ± are averaged (float64) so every rank applies the same
// update. Logging, evaluation and checkpoints stay with the loop.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>

#include "config/run_config.h"
#include "data/batch_source.h"
#include "distributed/communicator.h"
#include "distributed/gradient_sync.h"
#include "layers/model.h"
#include "optim/optimizer.h"

namespace sf {

struct StepContext {
  Model& model;  // model.arch: a SequenceModel or the autoencoder
  Optimizer& optimizer;
  std::function<Batch()> next_batch;  // this rank's next (micro-)batch
  uint64_t seed = 0;                  // train.seed: dropout streams, MeZO directions
  int64_t total_steps = 1;            // train.steps: MeZO's linear n_schedule
  bool scores_accuracy = false;       // the batches score accuracy (MeZO's objective: accuracy needs it)
  Communicator* comm = nullptr;       // world > 1 only
  GradientSync* grad_sync = nullptr;  // backprop with world > 1: averages gradients during backward
};

struct StepOutcome {
  double loss = 0;       // backprop: mean over micro-batches and ranks; MeZO: the objective at θ + εz (mean over directions)
  double grad_norm = 0;  // backprop: global norm before clipping; MeZO: mean |p| of the directions
  double tokens = 0;     // what the global batch counts for throughput: input tokens, rows for the autoencoder
  bool stop = false;     // with several ranks: some rank was asked to stop (decided together, before the update)
};

class TrainStep {
 public:
  virtual ~TrainStep() = default;
  // The work of step t (0-based) up to the update.
  virtual StepOutcome prepare(int64_t step) = 0;
  virtual void apply(double lr) = 0;
  virtual void discard() = 0;
};

// MezoStep for optim.name: mezo (the optimizer must be the Mezo that make_optimizer built), else BackpropStep.
std::unique_ptr<TrainStep> make_train_step(const RunConfig& config, StepContext context);

}  // namespace sf

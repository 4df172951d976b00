// The training loop behind `seqforge train`: builds tokenizer, data, model (model.arch: a sequence model, or the
// autoencoder on rows of numbers) and optimizer from a RunConfig, then steps, logs, evaluates and checkpoints;
// resumes from the run directory.
#pragma once
#include <chrono>
#include <cmath>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "config/loader.h"
#include "data/batch_source.h"
#include "data/tokenizer.h"
#include "distributed/gradient_sync.h"
#include "distributed/world.h"
#include "train/data_source.h"
#include "layers/model.h"
#include "layers/sequence_model.h"
#include "optim/optimizer.h"
#include "train/train_step.h"

namespace sf {

struct TrainOptions {
  std::string out_dir;   // run directory: checkpoints/, metrics.jsonl, config.resolved.yaml (+ one per resume)
  bool resume = false;   // continue from the newest checkpoint in out_dir/checkpoints; seqforge train first
                         // checks the config against the checkpoint's (train/resume_config.h)
  int64_t stop_at = -1;  // leave run() after this step (a checkpoint is saved), as if interrupted
};

struct StepLog {
  int64_t step = 0;  // 1-based: optimizer steps completed
  double loss = 0, lr = 0, grad_norm = 0;
  double val_loss = NAN;
  double val_bpb = NAN;       // bits per byte of val_loss, when the data knows its bytes per token
  double val_accuracy = NAN;     // tasks only
  double val_exact_match = NAN;  // tasks only: sequences with every scored position right
  double tokens_per_s = 0;  // rows per second for the autoencoder
  double step_ms = 0;       // wall ms per optimizer step over the window since the last log line
};

class Trainer {
 public:
  Trainer(LoadedConfig loaded, TrainOptions options);
  ~Trainer();

  // Resolved config and a parameter table.
  void describe(std::ostream& out) const;
  // Trains to config.train.steps; progress lines go to `out`. Returns the logged steps.
  std::vector<StepLog> run(std::ostream& out);

  EvalResult evaluate();  // over train.eval_batches fixed validation batches
  Model& model() { return *model_; }
  // The model as a sequence model; null for model.arch: autoencoder.
  SequenceModel* sequence_model() { return dynamic_cast<SequenceModel*>(model_.get()); }
  const Tokenizer* tokenizer() const { return tokenizer_.get(); }  // null for synthetic tasks
  const RunConfig& config() const { return loaded_.config; }
  int64_t step() const { return step_; }
  // Wall seconds since the run started: this process's share plus, after --resume, the checkpoint's.
  double elapsed_s() const;
  // This process in the launch (rank 0 of 1 without mpirun/srun). Only rank 0 prints, writes
  // metrics and checkpoints; train.batch_size is the global batch, split evenly over the ranks.
  const WorldInfo& world() const { return world_; }

 private:
  void save(std::ostream& out);
  void restore(const std::string& path);

  LoadedConfig loaded_;
  TrainOptions options_;
  std::unique_ptr<Tokenizer> tokenizer_;  // null for synthetic tasks
  std::shared_ptr<Model> model_;  // model.arch: a SequenceModel or the autoencoder
  std::unique_ptr<Optimizer> optimizer_;
  std::unique_ptr<BatchSource> sampler_;
  std::vector<Batch> eval_batches_;
  int64_t step_ = 0;
  std::string resumed_from_;  // the checkpoint --resume continued from, for the run's first line
  double elapsed_before_ = 0;  // the run's wall seconds stored in that checkpoint
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  WorldInfo world_;
  std::unique_ptr<Communicator> comm_;       // world > 1 only
  std::unique_ptr<GradientSync> grad_sync_;  // averages gradients over the ranks during backward (not MeZO)
  std::unique_ptr<TrainStep> train_step_;    // forward, backward or MeZO's perturbed forwards, and the update
};

}  // namespace sf

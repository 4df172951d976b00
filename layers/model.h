// Model: what a run trains, picked by model.arch: a SequenceModel (sequence, the default: tokens in, next-token
// logits out; layers/sequence_model.h) or an Autoencoder (autoencoder: rows of numbers in, their
// reconstruction out; layers/autoencoder.h). The trainer, the training step (train/train_step.h), evaluation and
// the optimizers (MKOR hooks every Linear below it) see only this interface; what is sequence-only (generation,
// FLOPs per token, adapters) asks for a SequenceModel.
#pragma once
#include <memory>

#include "config/run_config.h"
#include "layers/mixer.h"
#include "layers/module.h"

namespace sf {

class Model : public Module {
 public:
  // A batch's inputs (tokens (B, L), or rows (B, dim)) -> the output the criterion scores.
  virtual Variable forward(const Tensor& x) = 0;
  // The training objective of forward(x)'s output against the targets y: mean next-token cross-entropy, or
  // the mean squared reconstruction error.
  virtual Variable criterion(const Variable& output, const Tensor& y) const = 0;
  Variable loss(const Tensor& x, const Tensor& y) { return criterion(forward(x), y); }
  // Diagnostics of the last forward (a sequence model's mixers); none by default.
  virtual Mixer::Diagnostics diagnostics() const { return {}; }
  // What throughput counts in a batch input x: tokens (B·L) of a sequence model, rows (B) of the autoencoder.
  virtual double throughput_items(const Tensor& x) const = 0;
};

// The model of `config` (model.arch). A sequence model needs config.vocab_size > 0 (the trainer sets it from
// the data). Parameters are zeros until init_parameters(seed) or load_state_dict().
std::shared_ptr<Model> make_model(const ModelConfig& config, DType dtype = DType::f32);

}  // namespace sf

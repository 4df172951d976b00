// Optimizer: updates parameters from their gradients; the base of SGD, AdamW, LAMB and MKOR.
//
// Parameters come in groups that share a weight decay and a learning-rate multiplier. The
// learning rate itself is not optimizer state: the training loop asks the schedule for step t's
// rate and passes it to step(lr). Per-parameter state (Adam moments, momentum buffers) is kept as
// tensors shaped like the parameter and exported by name ("exp_avg/<param name>", ..., "step"), so
// a checkpoint stores it under /optim/ and a resumed run continues the identical trajectory.
//
// Parameters must be float32 or float64 CPU tensors that require grad, each listed once: a tied
// tensor (embedding = LM head) must never be updated twice.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "autograd/variable.h"
#include "layers/param_hint.h"

namespace sf {

using NamedParameters = std::vector<std::pair<std::string, Variable>>;
using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

struct ParamGroup {
  std::vector<std::string> names;  // one dotted name per parameter, unique across groups
  std::vector<Variable> params;
  double weight_decay = 0.0;
  double lr_scale = 1.0;  // this group's learning rate = lr passed to step() * lr_scale
};

// How make_param_groups sorts parameters into groups.
struct GroupingRule {
  double weight_decay = 0.0;
  bool decay_all = false;  // decay 1-D tensors too, as torch.optim.AdamW(model.parameters()) does
  double lr = 1.0;         // the run's peak learning rate: a hint's lr becomes lr_scale = hint.lr / lr
  ParamHints hints;        // the layers' requests by parameter name (Module::parameter_hints())
};

// nanoGPT's grouping: tensors with >= 2 dims (matmul weights, embeddings) decay with
// `weight_decay`, the rest (biases, norm gains) do not, unless `decay_all`. A hinted parameter takes
// its hint's weight decay and learning rate instead; parameters that end up with the same pair share
// a group (the two default groups first, then the hinted ones in name order of first appearance).
// Parameters that do not require grad are left out (frozen tensors get no optimizer state); a
// Variable listed twice (tied weights) is kept once, under its first name. Empty groups are dropped.
// A hint naming no listed parameter is an error (a renamed layer would otherwise lose it silently).
std::vector<ParamGroup> make_param_groups(const NamedParameters& named_params, const GroupingRule& rule);
inline std::vector<ParamGroup> make_param_groups(const NamedParameters& named_params, double weight_decay) {
  return make_param_groups(named_params, GroupingRule{weight_decay, false, 1.0, {}});
}

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  virtual const char* name() const = 0;
  // One update of every parameter that has a gradient, with learning rate lr * group.lr_scale.
  // Parameters without a gradient are skipped, as in PyTorch.
  virtual void step(double lr) = 0;
  // A stage on the gradients before clipping and step() (MKOR preconditions them here); the trainer
  // calls it once per optimizer step, after the data-parallel all-reduce.
  virtual void transform_gradients() {}
  // The step's training loss (mean over micro-batches and ranks), after step(); MKOR-H decides on it.
  virtual void observe_loss(double /*loss*/) {}
  // Named scalars the trainer appends to its metrics row (MKOR: factor resets, hybrid mode).
  virtual std::vector<std::pair<std::string, double>> metrics() const { return {}; }
  // Number of step() calls so far (also across a state export/import).
  int64_t steps_taken() const { return steps_; }

  void zero_grad();  // drops every parameter's gradient

  const std::vector<ParamGroup>& groups() const { return groups_; }
  std::vector<Variable> params() const;  // all groups' parameters, in group order

  // The state as named tensors: each per-parameter buffer as "<kind>/<param name>" (parameter
  // order), then "step" (0-dim int64). The tensors are the live buffers, not copies.
  virtual NamedTensors state_tensors() const;
  // Restores what state_tensors() exported. Every name must be present exactly once and no other,
  // with the buffer's shape; values are converted to the parameter's dtype. Nothing changes when
  // the check fails.
  virtual void load_state_tensors(const NamedTensors& state);

 protected:
  explicit Optimizer(std::vector<ParamGroup> groups);

  // Registers a per-parameter buffer kind ("exp_avg"): one zero tensor shaped like each parameter.
  // Returns the kind's index for state().
  size_t add_state_buffer(const std::string& kind);
  Tensor& state(size_t kind, size_t param) { return buffers_[kind][param]; }

  // Flat view over all groups: parameter i, its name and its group.
  size_t num_params() const { return params_.size(); }
  Variable& param(size_t i) { return params_[i]; }
  const std::string& param_name(size_t i) const { return names_[i]; }
  const ParamGroup& group_of(size_t i) const { return groups_[group_index_[i]]; }

  // Parameter i's gradient, checked against the parameter (shape, dtype, device) and contiguous;
  // undefined when it has none. Also checks that the parameter still matches its state buffers.
  Tensor checked_grad(size_t i) const;
  void check_lr(double lr) const;
  void count_step() { ++steps_; }
  std::string name_prefix() const;  // "AdamW: ", to start error messages

 private:
  std::vector<ParamGroup> groups_;
  std::vector<Variable> params_;
  std::vector<std::string> names_;
  std::vector<size_t> group_index_;
  std::vector<std::string> buffer_kinds_;
  std::vector<std::vector<Tensor>> buffers_;  // [kind][param]
  int64_t steps_ = 0;
};

}  // namespace sf

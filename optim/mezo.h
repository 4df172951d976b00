// MeZO (Malladi et al. 2023): zeroth-order SGD in the memory of inference (spec/optim.md §3).
//
// A step reads the objective L (a loss, or any scalar such as −accuracy) at θ + εz and θ − εz for a
// random direction z ~ N(0, I), and moves θ along z by the projected gradient p = (ℓ+ − ℓ−)/(2ε):
//   θ ← θ − η(Σ_i p_i/n · z_i + λθ)      (n directions; λ = the group's weight decay, so biases and
//                                         norms are not decayed, as make_param_groups sorts them)
// z is never stored. Element e of parameter pid is the Gaussian of stream (seed, pid, kTagMezo), pid
// the parameter's position in the canonical order (trainable parameters sorted by dotted name, a tied
// tensor once), so it is regenerated, chunk by chunk (at most kMezoChunk elements), wherever needed:
// the transient memory is one chunk (two under n-SPSA's update: z and the float64 sum), whatever the
// model. Each perturbation adds c·δ with δ = fl(ε·z) in the parameter's dtype and c ∈ {+1, −2, +1},
// so scaling δ is exact and every move rounds once; the update is computed in float64 and rounded
// once. Element results depend only on (seed, pid, e): bitwise the same for any thread count.
//
// The optimizer knows parameters, not models: the training step (train/train_step.h) passes the
// objective and, with several ranks, averages ℓ± before set_projected_gradients. Its state is the
// step count (checkpoints store nothing else); the seeds come from the run seed and the step.
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include "optim/optimizer.h"

namespace sf {

constexpr int64_t kMezoChunk = int64_t{1} << 20;  // elements of z generated at a time

struct MezoOptions {
  double eps = 1e-3;          // perturbation scale ε
  bool fused_update = false;  // the last restore and the update share one pass (same numbers, one regeneration less)
};

struct SpsaLosses {
  double plus = 0, minus = 0;  // the objective at θ + εz and at θ − εz
};

class Mezo final : public Optimizer {
 public:
  Mezo(std::vector<ParamGroup> groups, MezoOptions options);

  const char* name() const override { return "MeZO"; }
  const MezoOptions& options() const { return options_; }

  // seed_{t,i} = mix(mix(run_seed, t), i): direction i of step t, the same on every rank.
  static uint64_t direction_seed(uint64_t run_seed, int64_t step, int64_t i);

  // Reads objective() at θ + εz(seed), then at θ − εz(seed), and moves θ back (under fused_update the
  // last move waits for step() or discard()). Queues the direction for step(). Call the objective
  // with gradients off and dropout off: it must be a pure function of θ and the batch.
  SpsaLosses evaluate(uint64_t seed, const std::function<double()>& objective);
  // (ℓ+ − ℓ−) / (2ε).
  double projected_gradient(const SpsaLosses& l) const { return (l.plus - l.minus) / (2 * options_.eps); }
  // The projected gradient of each queued direction, in queue order (after averaging ℓ± over ranks).
  void set_projected_gradients(std::vector<double> p);

  // θ ← θ − lr·lr_scale·(Σ_i p_i/n·z_i + λθ) over the queued directions; empties the queue.
  void step(double lr) override;
  // Empties the queue without an update (θ restored under fused_update): a step the caller refused.
  void discard();

  // θ ← θ + c·fl(ε·z(seed)) for every trainable parameter (c = +1, −2, +1 in a step).
  void perturb(uint64_t seed, double c);
  // The canonical index of parameter i (Optimizer order).
  uint32_t pid(size_t i) const { return pids_[i]; }

 private:
  void restore_pending();

  MezoOptions options_;
  std::vector<uint32_t> pids_;
  std::vector<uint64_t> seeds_;        // queued directions
  std::vector<double> projected_;      // their p_i, once set
  bool unrestored_ = false;            // fused_update: θ sits at θ − εz(seeds_.back())
};

}  // namespace sf

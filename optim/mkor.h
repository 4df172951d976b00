// MKOR (Mozaffari et al., NeurIPS 2023): K-FAC-style preconditioning of every registered Linear layer's
// gradient with inverse Kronecker factors kept up to date by rank-1 Sherman–Morrison steps, in front of
// a first-order backbone (SGD, AdamW or LAMB). Spec: shared/spec/optim.md §4.
//
// Layers. Every Linear of the model whose parameters are trainable, except those whose dotted path
// contains an `exclude` entry (default "lm_head") and those with vocabulary-sized outputs. A tied LM
// head is no Linear (it reuses the embedding matrix), so the embedding is never preconditioned; it,
// the norms and every excluded layer take the raw gradient. With a bias the layer is treated as
// W̃ = [W | b] and every input row gets an appended 1.
//
// Statistics, on factor-update steps only (t mod factor_every == 0, or t < warmup_steps; t = steps
// taken so far). A forward hook adds the rows of clamp(x̃, ±c) and a backward hook the rows of
// clamp(∂ℓ_row/∂y, ±c), where ∂ℓ_row/∂y = grad_output × rows × grad_unscale: the gradient of the
// micro-batch's mean loss times its row count, with the 1/n_accum factor and any loss scale undone
// (grad_unscale = micro-batches / loss scale). Rows of all micro-batches are pooled, so the means
// a ∈ R^{d_in(+1)} and g ∈ R^{d_out} do not depend on gradient accumulation. Only forward passes in
// training mode with gradients enabled count (evaluation is not a statistic). With several ranks the
// means of all layers go out as one concatenated buffer and are averaged (set_statistics_reducer), so
// every rank applies the same rank-1 updates and the factors stay identical.
//
// Factors (mkor_factors.h). Per layer Rinv ((d_in+1)², activation side) and Linv (d_out², output-
// gradient side), each with a reset flag that starts set. On a factor step all Rinv are updated first,
// then all Linv: a set flag resets the factor (I, or a blend toward I) and clears the flag; otherwise a
// Sherman–Morrison step, after which ‖F‖_max > reset_threshold sets both flags of the layer (so an Rinv
// overflow already resets the Linv of the same step). Factors are therefore I after the first factor
// step and the first real update happens at step factor_every.
//
// Every step, transform_gradients() (before clipping) replaces each layer's G̃ = [G_W | G_b] by
// σ·Linv·G̃·Rinv with σ = (‖G_W‖ + ‖G_b‖) / (‖Ĝ_W‖ + ‖Ĝ_b‖) (left alone when σ is not finite), so the
// update keeps the gradient's size. While both factors of a layer are the identity it is skipped,
// which makes MKOR's step bitwise the backbone's. step() is the backbone's step.
//
// MKOR-H (hybrid.enabled; our rule, the paper gives none). observe_loss() keeps an EMA ℓ̄ of the
// training loss (β = 0.98, started at the first loss). Every `window` steps it compares ℓ̄ with the
// value at the previous check: r = (ℓ̄_prev − ℓ̄) / ℓ̄_prev. After `patience` consecutive checks with
// r < min_rel_decrease, or at step switch_step when set, MKOR switches for good to the plain backbone:
// hooks removed, factors freed, raw gradients from then on (backbone state and lr schedule continue).
// metrics(): factor resets so far, mean ms per transform_gradients() call in this process, and with
// the hybrid the switch step (0 = not yet).
//
// State (state_tensors): the backbone's, then per layer "mkor/<layer>/Rinv", "mkor/<layer>/Linv",
// "mkor/<layer>/flags" (reset R, reset L, R is I, L is I), and "mkor/counters" (factor resets, factor
// steps, switched, switch step, EMA started, EMA, EMA at the last check, failed checks). A resumed run
// continues bitwise.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "config/optim_sections.h"
#include "layers/linear.h"
#include "optim/optimizer.h"

namespace sf {

// optim.mkor's keys (the backbone is built by the caller and handed in, so `backbone` is not read here) and
// what the trainer knows besides.
struct MkorOptions : MkorConfig {
  int64_t exclude_out_features = 0;  // the vocabulary: such layers are left out; 0 = none
  double grad_unscale = 1.0;         // micro-batches per step / loss scale (see the header)
};

// MkorOptions from optim.mkor; grad_unscale = grad_accum (no loss scaling), exclude_out_features = vocab.
MkorOptions mkor_options(const MkorConfig& config, int64_t grad_accum, int64_t vocab);

class Mkor final : public Optimizer {
 public:
  // `groups` are the backbone's; `model` holds the layers (kept alive while the hooks are attached).
  Mkor(std::vector<ParamGroup> groups, std::unique_ptr<Optimizer> backbone, std::shared_ptr<Module> model,
       MkorOptions options);
  ~Mkor() override;

  const char* name() const override { return "MKOR"; }
  void transform_gradients() override;
  void step(double lr) override;
  void observe_loss(double loss) override;
  std::vector<std::pair<std::string, double>> metrics() const override;
  NamedTensors state_tensors() const override;
  void load_state_tensors(const NamedTensors& state) override;

  // Data parallel: averages a float64 buffer over the ranks in place (Communicator::all_reduce, avg).
  void set_statistics_reducer(std::function<void(Tensor&)> reducer) { reducer_ = std::move(reducer); }

  bool is_factor_step(int64_t t) const { return t % options_.factor_every == 0 || t < options_.warmup_steps; }
  const Optimizer& backbone() const { return *backbone_; }
  // The preconditioned layers, by dotted path, in model order.
  std::vector<std::string> layer_names() const;
  // Layer i's inverse factors and the means of the last factor step (after the reduction).
  const Tensor& right_inverse(size_t i) const { return layers_.at(i).rinv; }
  const Tensor& left_inverse(size_t i) const { return layers_.at(i).linv; }
  const std::vector<double>& activation_mean(size_t i) const { return layers_.at(i).a; }
  const std::vector<double>& gradient_mean(size_t i) const { return layers_.at(i).g; }
  int64_t factor_resets() const { return factor_resets_; }
  bool switched() const { return switched_; }

 private:
  struct Layer {
    std::string name;
    Linear* linear = nullptr;
    int64_t d_in = 0, d_out = 0;  // d_in counts the bias column
    bool bias = false;
    int64_t forward_hook = -1, backward_hook = -1;
    std::vector<double> a_sum, g_sum, a, g;
    int64_t a_rows = 0, g_rows = 0;
    Tensor rinv, linv;
    bool reset_r = true, reset_l = true, r_identity = true, l_identity = true;
  };

  bool collecting() const;
  void attach_hooks(Layer& layer);
  void update_factors();
  // One factor of one layer (Rinv with a, or Linv with g); raises the layer's flags on overflow.
  void update_factor(Layer& layer, bool right);
  void precondition(Layer& layer);
  void switch_to_backbone();

  std::unique_ptr<Optimizer> backbone_;
  std::shared_ptr<Module> model_;
  MkorOptions options_;
  std::vector<Layer> layers_;
  std::function<void(Tensor&)> reducer_;
  int64_t factor_resets_ = 0;
  int64_t factor_steps_ = 0;
  bool switched_ = false;
  int64_t switch_step_ = 0;
  bool ema_started_ = false;
  double loss_ema_ = 0, loss_ema_at_check_ = 0;
  int64_t failed_checks_ = 0;
  double transform_seconds_ = 0;  // wall time in transform_gradients in this process, for the overhead metric
  int64_t transform_calls_ = 0;
};

}  // namespace sf

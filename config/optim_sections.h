// The optimizer's own sub-sections of optim:, for LAMB (optim.lamb) and MKOR (optim.mkor). The shared
// keys (lr, betas, eps, weight_decay, momentum, grad_clip, schedule) stay in OptimConfig: a backbone under
// MKOR reads them as it would alone. Spec: shared/spec/optim.md §4.6, §4.8, §5.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "config/schema.h"
#include "config/validator.h"

namespace sf {

enum class MkorBackbone { sgd, adamw, lamb };
enum class MkorResetMode { identity, blend };
enum class MkorInverseUpdate { reference, exact };
constexpr std::array<std::string_view, 3> enum_names(MkorBackbone) { return {"sgd", "adamw", "lamb"}; }
constexpr std::array<std::string_view, 2> enum_names(MkorResetMode) { return {"identity", "blend"}; }
constexpr std::array<std::string_view, 2> enum_names(MkorInverseUpdate) { return {"reference", "exact"}; }

struct LambConfig {
  double clamp_weight_norm = 10.0;
  bool trust_all = false;

  template <class V>
  void visit(V& v) {
    v("clamp_weight_norm", clamp_weight_norm, "LAMB: the weight norm in the trust ratio is min(||theta||, this); 0 = no clamp");
    v("trust_all", trust_all,
      "LAMB: apply the trust ratio to every tensor; false = only to tensors with weight decay (the fused reference)");
  }
  void validate(const Validator& v) const;
  bool operator==(const LambConfig&) const = default;
};

// MKOR-H: switch once to the plain backbone when the training loss stops falling (optim/mkor.h).
struct MkorHybridConfig {
  bool enabled = false;
  int64_t switch_step = 0;
  int64_t window = 100;
  double min_rel_decrease = 0.01;
  int64_t patience = 2;

  template <class V>
  void visit(V& v) {
    v("enabled", enabled, "fall back to the plain backbone when second-order steps stop helping");
    v("switch_step", switch_step, "switch at this step whatever the loss does; 0 = by the loss rule only");
    v("window", window, "steps between checks of the loss EMA's relative decrease");
    v("min_rel_decrease", min_rel_decrease, "a check fails when the loss EMA fell by less than this fraction");
    v("patience", patience, "consecutive failed checks before the switch");
  }
  void validate(const Validator& v) const;
  bool operator==(const MkorHybridConfig&) const = default;
};

struct MkorConfig {
  MkorBackbone backbone = MkorBackbone::sgd;
  int64_t factor_every = 10;
  int64_t warmup_steps = 0;
  double gamma = 0.95;
  double reset_threshold = 2.0;
  MkorResetMode reset_mode = MkorResetMode::identity;
  double reset_zeta = 0.9;
  double clipping_value = 100.0;
  MkorInverseUpdate inverse_update = MkorInverseUpdate::reference;
  std::vector<std::string> exclude{"lm_head"};
  MkorHybridConfig hybrid;

  template <class V>
  void visit(V& v) {
    v("backbone", backbone, "first-order optimizer that takes the preconditioned gradients (its keys: optim.*)");
    v("factor_every", factor_every, "steps between inverse-factor updates (the paper's inversion frequency f)");
    v("warmup_steps", warmup_steps, "update the factors on every step before this one");
    v("gamma", gamma, "momentum of the inverse factors, in (0, 1)");
    v("reset_threshold", reset_threshold, "a factor whose largest |entry| exceeds this resets both of its layer's factors");
    v("reset_mode", reset_mode, "a reset sets the factor to identity (reference) or blends it toward identity");
    v("reset_zeta", reset_zeta, "reset_mode blend: F <- zeta F + (1 - zeta) I");
    v("clipping_value", clipping_value, "activations and per-row output gradients are clamped to +-this");
    v("inverse_update", inverse_update,
      "reference = Sherman-Morrison on gamma F + (1 - gamma) I (the package); exact = inverse of a true EMA");
    v("exclude", exclude,
      "Linear layers left to the backbone: a layer is excluded when its dotted path contains an entry; layers "
      "with vocabulary-sized outputs are always excluded");
    v("hybrid", hybrid, "MKOR-H fallback to the backbone");
  }
  void validate(const Validator& v) const;
  bool operator==(const MkorConfig&) const = default;
};

}  // namespace sf

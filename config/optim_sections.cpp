#include "config/optim_sections.h"

namespace sf {

void LambConfig::validate(const Validator& v) const {
  v.require(clamp_weight_norm >= 0, "clamp_weight_norm", clamp_weight_norm, "must be >= 0 (0 = no clamp)");
}

void MkorHybridConfig::validate(const Validator& v) const {
  v.require(switch_step >= 0, "switch_step", switch_step, "must be >= 0 (0 = by the loss rule only)");
  v.require(window > 0, "window", window, "must be > 0");
  v.require(min_rel_decrease >= 0 && min_rel_decrease < 1, "min_rel_decrease", min_rel_decrease, "must be in [0, 1)");
  v.require(patience > 0, "patience", patience, "must be > 0");
}

void MkorConfig::validate(const Validator& v) const {
  v.require(factor_every > 0, "factor_every", factor_every, "must be > 0");
  v.require(warmup_steps >= 0, "warmup_steps", warmup_steps, "must be >= 0");
  v.require(gamma > 0 && gamma < 1, "gamma", gamma, "must be in (0, 1)");
  v.require(reset_threshold > 1, "reset_threshold", reset_threshold, "must be > 1 (identity factors have max 1)");
  v.require(reset_zeta >= 0 && reset_zeta < 1, "reset_zeta", reset_zeta, "must be in [0, 1)");
  v.require(clipping_value > 0, "clipping_value", clipping_value, "must be > 0");
}

}  // namespace sf

// MKOR's inverse-factor arithmetic (spec §4.4), as functions on one square float32/float64 factor F
// (an inverse: Linv or Rinv) and one rank-1 statistic v (a batch mean, float64). optim/mkor.h drives
// them; tests check them against explicit inverses.
#pragma once
#include <vector>

#include "config/optim_sections.h"
#include "core/tensor.h"

namespace sf {

// One Sherman–Morrison step with momentum γ, in F's dtype:
//   reference (the package):  P = γF + (1−γ)I;  F ← P − (Pv)(vᵀP) / (1 + vᵀPv)
//                             = inv(inv(P) + vvᵀ): momentum pulls the inverse toward I, then the rank-1
//                             curvature vvᵀ is added.
//   exact:                    F ← (1/γ)·[F − c(Fv)(vᵀF) / (1 + c·vᵀFv)],  c = (1−γ)/γ
//                             = inv(γM + (1−γ)vvᵀ) for F = inv(M): the inverse of a true EMA.
// F stays exactly symmetric (each outer-product entry is the same product both ways).
void sherman_morrison_update(Tensor& factor, const std::vector<double>& v, double gamma, MkorInverseUpdate form);

// The stabiliser's reset: F ← I (identity), or F ← ζF + (1−ζ)I (blend).
void reset_factor(Tensor& factor, MkorResetMode mode, double zeta);

// max |F_ij|, the stabiliser's test.
double max_abs_entry(const Tensor& factor);

// The n×n identity in `dtype`.
Tensor identity_matrix(int64_t n, DType dtype);

}  // namespace sf

// NOLA's random-basis mixtures (spec optim.md §2.2, §2.3): a matrix M (rows, cols) built as
//
//     M = M0 + Σ_{i<k} fl(coef_i · c) · U_i,     c = 1/√k rounded once in the element type,
//
// with U_i[e] = usym of RngStream{seed, idx = i, 'NOLA'} and the optional offset M0[e] = a·usym of
// RngStream{seed, idx = 0xFFFFFFFF, 'NOLA'} (NOLA's A0; a = 1/√cols, uniform fan-in). Each element is
// accumulated as acc = M0[e], then acc = acc + (w_i · U_i[e]) for i = 0..k−1 in that order, multiply and
// add separate (this file is compiled with -ffp-contract=off), so any chunking, thread count or device
// gives the same bits. The bases are generated `chunk` at a time and never kept: the backward
// ∂coef_i = c·⟨∂M, U_i⟩ regenerates them.
#pragma once
#include <cstdint>

#include "autograd/variable.h"

namespace sf {

constexpr uint32_t kNolaOffsetIndex = 0xFFFFFFFFu;

struct NolaBasis {
  uint64_t seed = 0;
  int64_t rows = 0, cols = 0;
  int64_t chunk = 64;   // bases generated at a time
  bool offset = false;  // add M0
};

// Basis U_idx (idx = kNolaOffsetIndex: M0) as a (rows, cols) tensor of `dtype` (f32 or f64; same values).
Tensor nola_basis_tensor(const NolaBasis& basis, uint32_t idx, DType dtype);
// M from the coefficients (1-D, k = coef.numel(); f32 or f64, M has their dtype).
Tensor nola_mix(const Tensor& coef, const NolaBasis& basis);
// ∂coef (k) from ∂M: c·⟨∂M, U_i⟩, summed in float64 and rounded once.
Tensor nola_mix_backward(const Tensor& grad, const NolaBasis& basis, int64_t k);
// nola_mix as one recorded op: the backward regenerates the bases instead of saving them.
Variable nola_mix(const Variable& coef, const NolaBasis& basis);

}  // namespace sf

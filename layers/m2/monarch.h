// Monarch matrices (Dao et al. 2022; Fu et al. 2023, "Monarch Mixer", §3; spec mixers.md §4.1) and the
// block-diagonal Linear that M2's channel mixer uses.
//
// For n = b², P is the grid transpose (view a length-n vector as a b×b row-major grid and transpose it;
// P = Pᵀ = P⁻¹), and L = blockdiag(L_0..L_{b−1}), R = blockdiag(R_0..R_{b−1}) act on contiguous chunks
// of b entries. A Monarch matrix is M = P L P R P (the form in which the DFT is one), or P L P R without
// the rightmost P (HazyResearch/m2 `blockdiag_butterfly_multiply`, which applies it to inputs as they
// are). Either is two batched GEMMs over b blocks with the permutations as strides: O(n^{3/2}) per row
// instead of O(n²), 2 n^{3/2} parameters.
#pragma once
#include "layers/module.h"

namespace sf {

// x (..., n) with n = b², L and R (b, b, b) as [block, out, in] -> (..., n) = M x per row.
// `permute_input`: the P L P R P form; false: P L P R.
Variable monarch_multiply(const Variable& x, const Variable& L, const Variable& R, bool permute_input);

// The dense n×n matrix of the same map (tests, and what each map of MonarchLinear stands for).
Tensor monarch_dense(const Tensor& L, const Tensor& R, bool permute_input);

// y = W x + bias for a learned W: in → out made of order-2 Monarch maps of size n = min(in, out) = b².
// Square (in = out = n): W = M, one Monarch matrix. Rectangular widths are our construction, a stack
// of square maps (not the general rectangular factors (k,q,p),(l,s,r) of Dao et al., a different
// parametrisation): the larger width must be a multiple r of n, and W is a stack of r square maps — n → r·n concatenates the outputs of M_0..M_{r−1} on x;
// r·n → n sums M_i over the input's n-wide chunks x_i. Weights "left" and "right" (r, b, b, b), map by map.
// Init: blocks U(±a) with a = (3/c)^{1/4}/√b, c = in/n the number of maps summed into an output, so
// that each output has the variance of a dense U(±1/√in)-initialised Linear's (each output entry of one
// map sums b·b products of two factors, each of variance a²/3); bias U(±1/√out), or none.
class MonarchLinear : public Module {
 public:
  MonarchLinear(int64_t in, int64_t out, bool bias, bool permute_input, DType dtype = DType::f32);
  Variable forward(const Variable& x) const;  // (..., in) -> (..., out)
  const Variable& left() const { return L_; }
  const Variable& right() const { return R_; }

 private:
  int64_t in_, out_, n_;
  bool permute_input_;
  Variable L_, R_, bias_;
};

// y = x W + b with W block-diagonal: `blocks` blocks, input chunk k of in/blocks features maps to output
// chunk k of out/blocks (M2's BlockdiagLinear, spec §4.2). Weight (blocks, out/blocks, in/blocks).
// Init as the reference: a dense U(±1/√in) matrix scaled by √blocks, i.e. each block U(±√blocks/√in);
// bias U(±1/√out).
class BlockdiagLinear : public Module {
 public:
  BlockdiagLinear(int64_t in, int64_t out, int64_t blocks, bool bias, DType dtype = DType::f32);
  Variable forward(const Variable& x) const;  // (..., in) -> (..., out)
  const Variable& weight() const { return weight_; }

 private:
  int64_t in_, out_, blocks_;
  Variable weight_, bias_;
};

}  // namespace sf

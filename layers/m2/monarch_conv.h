// The DFT as a Monarch matrix, and the causal long convolution through it (model.m2.fft: monarch; spec
// mixers.md §4.1, Fu et al. 2023 §3). For n = b², F_b[j, m] = ω_b^{jm} with ω_m = e^{−2πi/m}, the blocks
//   R_k = diag(ω_n^{k·j}, j = 0..b−1) · F_b   (the twiddles folded into the first factor),   L_k = F_b
// make P L P R P x = DFT_n(x) (four-step Cooley–Tukey; layers/m2/monarch.h), and DFT_n⁻¹ x = conj(DFT_n conj x)/n.
// Complex values are pairs of real tensors (re, im); a complex Monarch product is four real ones through
// monarch_multiply with constant blocks — Re M = M(L_re, R_re) − M(L_im, R_im), Im M = M(L_re, R_im) +
// M(L_im, R_re) — so autograd gives the backward and nothing here is trained or checkpointed.
// Cost: O(n^{3/2}) per row, i.e. O(L^{3/2}) per channel against the FFT's O(L log L)
// (layers/ssm/fft_conv.h); what it buys is that every step is a batched GEMM.
#pragma once
#include <map>
#include <utility>

#include "autograd/variable.h"

namespace sf {

// The transform size of a causal convolution of `length` taps: n = b² with b the smallest integer such
// that b² ≥ 2·length (zero-padding to 2L makes the circular convolution the linear one on [0, L)).
int64_t monarch_conv_size(int64_t length);

// DFT_n for n = b² as the constant factors of a Monarch matrix.
class MonarchDft {
 public:
  MonarchDft(int64_t n, DType dtype);
  int64_t size() const { return n_; }

  // x (..., n) = re + i·im (im undefined: a real x) -> DFT_n(x) as (re, im).
  std::pair<Variable, Variable> forward(const Variable& re, const Variable& im = Variable()) const;
  // Re DFT_n⁻¹(x) for x (..., n) = re + i·im: the signal, when x is the spectrum of a real one.
  Variable inverse_real(const Variable& re, const Variable& im) const;

 private:
  Variable real_part(const Variable& x) const;  // (Re M) x, x real
  Variable imag_part(const Variable& x) const;  // (Im M) x, x real

  int64_t n_;
  Variable l_re_, l_im_, r_re_, r_im_;  // (b, b, b) [block, out, in], constants
};

// y[b, t, h] = Σ_{s ≤ t} K[h, t − s] u[b, s, h] for u (B, L, H), K (H, L): both zero-padded to
// n = monarch_conv_size(L), transformed, multiplied, transformed back, cut to the first L.
// Keeps one MonarchDft per (size, dtype), built on first use; not thread-safe (one per mixer).
class MonarchConv {
 public:
  Variable forward(const Variable& u, const Variable& K);

 private:
  std::map<std::pair<int64_t, DType>, MonarchDft> dfts_;
};

}  // namespace sf

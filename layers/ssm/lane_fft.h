// Real FFTs along time of W channels at once, one channel per SIMD lane (W = 64 bytes of scalars: 16
// floats, 8 doubles). The sequence models keep channels contiguous ((B, L, H) activations), so a group of
// W channels at one time step is one vector load, and every butterfly is a few vector ops with a
// broadcast twiddle: no transposes, no per-channel gathers, no complex library calls.
// A real signal of even length n is transformed as the complex signal z[m] = x[2m] + i·x[2m+1] of length
// N = n/2 (decimation in frequency, radix 2² so that each pass over memory does two stages, output in
// bit-reversed order) plus the usual split into the spectra of the even and odd samples; the inverse runs
// the same steps backwards (decimation in time from bit-reversed input). Twiddles are computed in double
// once per length and shared by every LaneFft of that length. Zero padding is free: samples past `len`
// are never read, and outputs past `len` never written.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "core/tensor.h"

namespace sf {

template <class T>
class LaneFft {
 public:
  static constexpr int64_t W = 64 / static_cast<int64_t>(sizeof(T));

  explicit LaneFft(int64_t n);  // n: a power of two >= 2

  int64_t bins() const { return half_ + 1; }  // n/2 + 1
  // Scalars of one spectrum of a length-n transform: n/2 + 1 bins × (W real parts, then W imaginary parts).
  static int64_t spectrum_size(int64_t n) { return (n / 2 + 1) * 2 * W; }

  // Half spectrum of x[t·st + l·sl] for t < len (zeros up to n), lanes l < lanes (the rest zero).
  void forward(const T* x, int64_t len, int64_t st, int64_t sl, int64_t lanes, T* spec);
  // The first len samples of the inverse transform (1/n included) of a half spectrum, to out[t·st + l·sl]
  // for lanes l < lanes; added to what is there when accumulate. The imaginary parts of bins 0 and n/2
  // do not enter (a real signal's spectrum has none).
  void inverse(const T* spec, T* out, int64_t len, int64_t st, int64_t sl, int64_t lanes, bool accumulate);

  // out = a ⊙ b (conj(a) ⊙ b when conj_a), added to out when accumulate; spectra of this length.
  void multiply(const T* a, const T* b, T* out, bool conj_a, bool accumulate) const;

 private:
  struct Plan;
  int64_t half_;  // N = n/2 complex points
  std::shared_ptr<const Plan> plan_;
  Tensor buf_;  // N points × 2W, from the caching allocator (a fresh vector this size faults its pages in)
};

extern template class LaneFft<float>;
extern template class LaneFft<double>;

}  // namespace sf

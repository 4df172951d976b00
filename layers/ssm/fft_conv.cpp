#include "layers/ssm/fft_conv.h"

#include <complex>
#include <vector>

#include <unsupported/Eigen/FFT>

#include "core/ops.h"
#include "core/parallel.h"

namespace sf {
namespace {

// Real FFTs of one length with half spectra; one per thread range (the plan cache is not shared).
template <class T>
class Rfft {
 public:
  explicit Rfft(int64_t n) : n_(n), buf_(static_cast<size_t>(n)) { fft_.SetFlag(Eigen::FFT<T>::HalfSpectrum); }

  // Spectrum of x[0], x[stride], ..., x[(len−1)·stride], zero-padded to n.
  std::vector<std::complex<T>> forward(const T* x, int64_t len, int64_t stride) {
    std::fill(buf_.begin(), buf_.end(), T(0));
    for (int64_t i = 0; i < len; ++i) buf_[i] = x[i * stride];
    std::vector<std::complex<T>> out;
    fft_.fwd(out, buf_);
    return out;
  }
  // Inverse of a half spectrum; returns the first `len` samples in out[0], out[stride], ...
  void inverse(const std::vector<std::complex<T>>& f, T* out, int64_t len, int64_t stride, bool accumulate) {
    fft_.inv(buf_, f, n_);
    for (int64_t i = 0; i < len; ++i) out[i * stride] = (accumulate ? out[i * stride] : T(0)) + buf_[i];
  }

 private:
  int64_t n_;
  std::vector<T> buf_;
  Eigen::FFT<T> fft_;
};

template <class T>
std::vector<std::complex<T>> product(const std::vector<std::complex<T>>& a, const std::vector<std::complex<T>>& b,
                                     bool conj_a) {
  std::vector<std::complex<T>> out(a.size());
  for (size_t i = 0; i < a.size(); ++i) out[i] = (conj_a ? std::conj(a[i]) : a[i]) * b[i];
  return out;
}

int64_t default_n_fft(int64_t L) {
  int64_t n = 1;
  while (n < 2 * L) n *= 2;
  return n;
}

}  // namespace

Variable causal_fft_conv(const Variable& u, const Variable& K, int64_t n_fft) {
  SF_CHECK(u.dim() == 3 && K.dim() == 2 && K.size(0) == u.size(2) && K.size(1) == u.size(1),
           "causal_fft_conv: expected u (B, L, H) and K (H, L), got ", shape_str(u.shape()), " and ",
           shape_str(K.shape()));
  SF_CHECK(u.dtype() == K.dtype() && is_floating(u.dtype()) && u.device().is_cpu() && K.device().is_cpu(),
           "causal_fft_conv: u and K must be CPU tensors of one floating dtype");
  const int64_t B = u.size(0), L = u.size(1), H = u.size(2);
  const int64_t n = n_fft > 0 ? n_fft : default_n_fft(L);
  SF_CHECK(n >= L, "causal_fft_conv: n_fft (", n, ") must be >= L (", L, ")");
  Tensor uc = u.data().contiguous(), Kc = K.data().contiguous();
  Tensor y = empty({B, L, H}, u.dtype());
  SF_DISPATCH_FLOAT(u.dtype(), "causal_fft_conv", [&] {
    const scalar_t *pu = uc.data<scalar_t>(), *pk = Kc.data<scalar_t>();
    scalar_t* py = y.data<scalar_t>();
    parallel_for(H, 1, [&](int64_t h0, int64_t h1) {
      Rfft<scalar_t> fft(n);
      for (int64_t h = h0; h < h1; ++h) {
        const auto Kf = fft.forward(pk + h * L, L, 1);
        for (int64_t b = 0; b < B; ++b)
          fft.inverse(product(fft.forward(pu + b * L * H + h, L, H), Kf, false), py + b * L * H + h, L, H, false);
      }
    });
  });
  return record("causal_fft_conv", y, {u, K}, [uc, Kc, n](const Tensor& grad) {
    const Tensor g = grad.contiguous();
    const int64_t B = uc.size(0), L = uc.size(1), H = uc.size(2);
    Tensor du = empty(uc.shape(), uc.dtype()), dK = zeros(Kc.shape(), Kc.dtype());
    SF_DISPATCH_FLOAT(uc.dtype(), "causal_fft_conv backward", [&] {
      const scalar_t *pu = uc.data<scalar_t>(), *pk = Kc.data<scalar_t>(), *pg = g.data<scalar_t>();
      scalar_t *pdu = du.data<scalar_t>(), *pdk = dK.data<scalar_t>();
      parallel_for(H, 1, [&](int64_t h0, int64_t h1) {
        Rfft<scalar_t> fft(n);
        for (int64_t h = h0; h < h1; ++h) {
          const auto Kf = fft.forward(pk + h * L, L, 1);
          for (int64_t b = 0; b < B; ++b) {  // fixed order over b: dK is deterministic
            const auto Gf = fft.forward(pg + b * L * H + h, L, H);
            fft.inverse(product(Kf, Gf, true), pdu + b * L * H + h, L, H, false);
            fft.inverse(product(fft.forward(pu + b * L * H + h, L, H), Gf, true), pdk + h * L, L, 1, true);
          }
        }
      });
    });
    return std::vector<Tensor>{du, dK};
  });
}

}  // namespace sf

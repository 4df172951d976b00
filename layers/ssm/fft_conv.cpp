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

// Full complex transforms: Eigen's half-spectrum real transforms assume an even length, and the
// S4 kernel length (model.block_size) may be odd. Cost is O(n log n) per row either way. Length 1
// is the identity on Re X_0 (Eigen's kissfft plan for n = 1 indexes an empty scratch buffer).
Variable irfft(const Variable& re, const Variable& im, int64_t n) {
  SF_CHECK(n >= 1 && re.dim() >= 1 && re.shape() == im.shape() && re.size(re.dim() - 1) == n / 2 + 1,
           "irfft: re and im must have one shape (..., n/2 + 1) with n = ", n, ", got ", shape_str(re.shape()),
           " and ", shape_str(im.shape()));
  SF_CHECK(re.dtype() == im.dtype() && is_floating(re.dtype()) && re.device().is_cpu() && im.device().is_cpu(),
           "irfft: re and im must be CPU tensors of one floating dtype");
  const int64_t F = n / 2 + 1, rows = re.numel() / F;
  auto self_conjugate = [n](int64_t k) { return k == 0 || 2 * k == n; };
  Tensor rc = re.data().contiguous(), ic = im.data().contiguous();
  Shape out_shape = re.shape();
  out_shape.back() = n;
  Tensor x = empty(out_shape, re.dtype());
  SF_DISPATCH_FLOAT(re.dtype(), "irfft", [&] {
    const scalar_t *pr = rc.data<scalar_t>(), *pi = ic.data<scalar_t>();
    scalar_t* px = x.data<scalar_t>();
    parallel_for(rows, 1, [&](int64_t r0, int64_t r1) {
      Eigen::FFT<scalar_t> fft;
      std::vector<std::complex<scalar_t>> full(static_cast<size_t>(n)), out;
      for (int64_t r = r0; r < r1; ++r) {
        if (n == 1) {
          px[r] = pr[r];
          continue;
        }
        for (int64_t k = 0; k < F; ++k) {
          full[k] = {pr[r * F + k], self_conjugate(k) ? scalar_t(0) : pi[r * F + k]};
          if (k > 0) full[n - k] = std::conj(full[k]);
        }
        fft.inv(out, full);
        for (int64_t t = 0; t < n; ++t) px[r * n + t] = out[t].real();
      }
    });
  });
  return record("irfft", x, {re, im}, [n, F, rows, self_conjugate, shape = re.shape()](const Tensor& grad) {
    const Tensor g = grad.contiguous();
    Tensor dre = empty(shape, g.dtype()), dim = empty(shape, g.dtype());
    SF_DISPATCH_FLOAT(g.dtype(), "irfft backward", [&] {
      const scalar_t* pg = g.data<scalar_t>();
      scalar_t *pr = dre.data<scalar_t>(), *pi = dim.data<scalar_t>();
      parallel_for(rows, 1, [&](int64_t r0, int64_t r1) {
        Eigen::FFT<scalar_t> fft;
        std::vector<std::complex<scalar_t>> in(static_cast<size_t>(n)), G;
        for (int64_t r = r0; r < r1; ++r) {
          for (int64_t t = 0; t < n; ++t) in[t] = pg[r * n + t];
          if (n == 1)
            G = in;
          else
            fft.fwd(G, in);
          for (int64_t k = 0; k < F; ++k) {
            const scalar_t c = scalar_t(self_conjugate(k) ? 1 : 2) / scalar_t(n);
            pr[r * F + k] = c * G[k].real();
            pi[r * F + k] = self_conjugate(k) ? scalar_t(0) : c * G[k].imag();
          }
        }
      });
    });
    return std::vector<Tensor>{dre, dim};
  });
}

}  // namespace sf

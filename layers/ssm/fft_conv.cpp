#include "layers/ssm/fft_conv.h"

#include <complex>
#include <vector>

#include <unsupported/Eigen/FFT>

#include "core/ops.h"
#include "core/parallel.h"
#include "layers/ssm/lane_fft.h"

namespace sf {

int64_t fft_conv_size(int64_t L) {
  int64_t n = 2;
  while (n < 2 * L) n *= 2;
  return n;
}

Variable causal_fft_conv(const Variable& u, const Variable& K, int64_t n_fft) {
  SF_CHECK(u.dim() == 3 && K.dim() == 2 && K.size(0) == u.size(2) && K.size(1) == u.size(1),
           "causal_fft_conv: expected u (B, L, H) and K (H, L), got ", shape_str(u.shape()), " and ",
           shape_str(K.shape()));
  SF_CHECK(u.dtype() == K.dtype() && is_floating(u.dtype()) && u.device().is_cpu() && K.device().is_cpu(),
           "causal_fft_conv: u and K must be CPU tensors of one floating dtype");
  const int64_t B = u.size(0), L = u.size(1), H = u.size(2);
  const int64_t n = n_fft > 0 ? n_fft : fft_conv_size(L);
  SF_CHECK(n >= L && n >= 2 && (n & (n - 1)) == 0, "causal_fft_conv: n_fft (", n,
           ") must be a power of two >= max(L, 2) (L = ", L, ")");
  const Tensor uc = u.data().contiguous(), Kd = K.data();
  const bool grad = needs_grad({u, K});
  Tensor y = empty({B, L, H}, u.dtype()), Kf, Uf;  // spectra per group of channels, kept for backward
  SF_DISPATCH_FLOAT(u.dtype(), "causal_fft_conv", [&] {
    using Fft = LaneFft<scalar_t>;
    const int64_t W = Fft::W, G = (H + W - 1) / W, S = Fft::spectrum_size(n);
    Kf = empty({G, S}, u.dtype());
    if (grad) Uf = empty({G, B, S}, u.dtype());
    const scalar_t* pu = uc.data<scalar_t>();
    const scalar_t* pk = Kd.data<scalar_t>();
    scalar_t *py = y.data<scalar_t>(), *pkf = Kf.data<scalar_t>();
    parallel_for(G, 1, [&](int64_t g0, int64_t g1) {
      Fft fft(n);
      const Tensor ws = empty({2 * S}, u.dtype());
      scalar_t *spec = ws.data<scalar_t>(), *prod = spec + S;
      for (int64_t g = g0; g < g1; ++g) {
        const int64_t h0 = g * W, lanes = std::min(W, H - h0);
        scalar_t* kf = pkf + g * S;
        fft.forward(pk + h0 * Kd.stride(0), L, Kd.stride(1), Kd.stride(0), lanes, kf);
        for (int64_t b = 0; b < B; ++b) {
          scalar_t* uf = grad ? Uf.data<scalar_t>() + (g * B + b) * S : spec;
          fft.forward(pu + b * L * H + h0, L, H, 1, lanes, uf);
          fft.multiply(uf, kf, prod, false, false);
          fft.inverse(prod, py + b * L * H + h0, L, H, 1, lanes, false);
        }
      }
    });
  });
  return record("causal_fft_conv", y, {u, K}, [Kf, Uf, n, B, L, H](const Tensor& grad) {
    const Tensor g = grad.contiguous();
    Tensor du = empty({B, L, H}, g.dtype()), dK = empty({H, L}, g.dtype());
    SF_DISPATCH_FLOAT(g.dtype(), "causal_fft_conv backward", [&] {
      using Fft = LaneFft<scalar_t>;
      const int64_t W = Fft::W, G = (H + W - 1) / W, S = Fft::spectrum_size(n);
      const scalar_t *pg = g.data<scalar_t>(), *pkf = Kf.data<scalar_t>(), *puf = Uf.data<scalar_t>();
      scalar_t *pdu = du.data<scalar_t>(), *pdk = dK.data<scalar_t>();
      parallel_for(G, 1, [&](int64_t g0, int64_t g1) {
        Fft fft(n);
        const Tensor ws = empty({3 * S}, g.dtype());
        scalar_t *gf = ws.data<scalar_t>(), *prod = gf + S, *acc = prod + S;
        for (int64_t grp = g0; grp < g1; ++grp) {
          const int64_t h0 = grp * W, lanes = std::min(W, H - h0);
          std::fill(acc, acc + S, scalar_t(0));
          for (int64_t b = 0; b < B; ++b) {  // fixed order over b: dK is deterministic
            fft.forward(pg + b * L * H + h0, L, H, 1, lanes, gf);
            fft.multiply(pkf + grp * S, gf, prod, true, false);
            fft.inverse(prod, pdu + b * L * H + h0, L, H, 1, lanes, false);
            fft.multiply(puf + (grp * B + b) * S, gf, acc, true, true);
          }
          fft.inverse(acc, pdk + h0 * L, L, 1, L, lanes, false);
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

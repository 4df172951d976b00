#include "layers/m2/monarch_conv.h"

#include <cmath>
#include <numbers>
#include <vector>

#include "autograd/functions.h"
#include "layers/m2/monarch.h"

namespace sf {

int64_t monarch_conv_size(int64_t length) {
  SF_CHECK(length >= 1, "monarch conv: length must be >= 1, got ", length);
  int64_t b = 1;
  while (b * b < 2 * length) ++b;
  return b * b;
}

MonarchDft::MonarchDft(int64_t n, DType dtype) : n_(n) {
  const auto b = static_cast<int64_t>(std::llround(std::sqrt(static_cast<double>(n))));
  SF_CHECK(n >= 1 && b * b == n, "monarch DFT: size ", n, " is not a perfect square b²");
  std::vector<double> l_re(b * b * b), l_im(b * b * b), r_re(b * b * b), r_im(b * b * b);
  // e^{−2πi·e/n}, with the exponent reduced mod n first so that large products keep full precision.
  auto root = [n](int64_t e, double& re, double& im) {
    const double angle = -2.0 * std::numbers::pi * static_cast<double>(e % n) / static_cast<double>(n);
    re = std::cos(angle);
    im = std::sin(angle);
  };
  for (int64_t k = 0; k < b; ++k)
    for (int64_t j = 0; j < b; ++j)
      for (int64_t m = 0; m < b; ++m) {
        const size_t at = static_cast<size_t>((k * b + j) * b + m);
        root(j * m * b, l_re[at], l_im[at]);        // ω_b^{jm} = ω_n^{jm·b}
        root(k * j + j * m * b, r_re[at], r_im[at]);  // ω_n^{kj} · ω_b^{jm}
      }
  auto constant = [&](const std::vector<double>& v) { return Variable(from_vector<double>(v, {b, b, b}).to(dtype)); };
  l_re_ = constant(l_re);
  l_im_ = constant(l_im);
  r_re_ = constant(r_re);
  r_im_ = constant(r_im);
}

Variable MonarchDft::real_part(const Variable& x) const {
  return monarch_multiply(x, l_re_, r_re_, true) - monarch_multiply(x, l_im_, r_im_, true);
}

Variable MonarchDft::imag_part(const Variable& x) const {
  return monarch_multiply(x, l_re_, r_im_, true) + monarch_multiply(x, l_im_, r_re_, true);
}

std::pair<Variable, Variable> MonarchDft::forward(const Variable& re, const Variable& im) const {
  if (!im.defined()) return {real_part(re), imag_part(re)};
  // Both parts in one batch: (Re M + i Im M)(re + i im).
  const Variable x = stack({re, im}, 0);
  const Variable a = real_part(x), c = imag_part(x);
  return {select(a, 0, 0) - select(c, 0, 1), select(a, 0, 1) + select(c, 0, 0)};
}

Variable MonarchDft::inverse_real(const Variable& re, const Variable& im) const {
  // Re conj(M conj x)/n = Re(M conj x)/n = ((Re M) re + (Im M) im)/n.
  return (real_part(re) + imag_part(im)) * (1.0 / static_cast<double>(n_));
}

Variable MonarchConv::forward(const Variable& u, const Variable& K) {
  SF_CHECK(u.dim() == 3 && K.dim() == 2 && K.size(0) == u.size(2) && K.size(1) == u.size(1),
           "monarch conv: u must be (B, L, H) and K (H, L), got ", shape_str(u.shape()), " and ",
           shape_str(K.shape()));
  const int64_t B = u.size(0), L = u.size(1), H = u.size(2), n = monarch_conv_size(L);
  const auto key = std::make_pair(n, u.dtype());
  auto it = dfts_.find(key);
  if (it == dfts_.end()) it = dfts_.emplace(key, MonarchDft(n, u.dtype())).first;
  const MonarchDft& dft = it->second;
  auto padded = [&](const Variable& x, Shape zero_shape) {  // x (..., L) -> (..., n)
    zero_shape.back() = n - L;
    return cat({x, Variable(zeros(zero_shape, x.dtype()))}, -1);
  };
  const auto [ur, ui] = dft.forward(padded(permute(u, {0, 2, 1}), {B, H, 0}));  // (B, H, n)
  const auto [kr, ki] = dft.forward(padded(K, {H, 0}));                          // (H, n)
  const Variable y = dft.inverse_real(ur * kr - ui * ki, ur * ki + ui * kr);
  return contiguous(permute(narrow(y, 2, 0, L), {0, 2, 1}));
}

}  // namespace sf

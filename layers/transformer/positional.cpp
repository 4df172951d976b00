#include "layers/transformer/positional.h"

#include <cmath>

#include "autograd/functions.h"

namespace sf {

Tensor sinusoidal_table(int64_t length, int64_t dim, DType dtype) {
  SF_CHECK(length >= 0 && dim > 0, "sinusoidal_table: bad size ", length, " x ", dim);
  std::vector<double> pe(static_cast<size_t>(length * dim));
  for (int64_t t = 0; t < length; ++t) {
    for (int64_t c = 0; c < dim; ++c) {
      const int64_t two_i = c - c % 2;
      const double angle = static_cast<double>(t) / std::pow(10000.0, static_cast<double>(two_i) / dim);
      pe[t * dim + c] = c % 2 == 0 ? std::sin(angle) : std::cos(angle);
    }
  }
  return from_vector<double>(pe, {length, dim}).to(dtype);
}

RopeTables rope_tables(int64_t length, int64_t head_dim, double base, DType dtype, int64_t start) {
  SF_CHECK(head_dim > 0 && head_dim % 2 == 0, "rope: the head size must be even, got ", head_dim);
  const int64_t half = head_dim / 2;
  std::vector<double> c(static_cast<size_t>(length * half)), s(c.size());
  for (int64_t i = 0; i < half; ++i) {
    const double omega = std::pow(base, -2.0 * static_cast<double>(i) / static_cast<double>(head_dim));
    for (int64_t t = 0; t < length; ++t) {
      c[t * half + i] = std::cos(static_cast<double>(start + t) * omega);
      s[t * half + i] = std::sin(static_cast<double>(start + t) * omega);
    }
  }
  return {from_vector<double>(c, {length, half}).to(dtype), from_vector<double>(s, {length, half}).to(dtype)};
}

Variable apply_rope(const Variable& x, const RopeTables& tables) {
  const int64_t length = x.size(-2), half = x.size(-1) / 2;
  SF_CHECK(x.size(-1) == 2 * half && tables.cos.size(1) == half && tables.cos.size(0) >= length,
           "apply_rope: input ", shape_str(x.shape()), " does not fit tables ", shape_str(tables.cos.shape()));
  Variable cos(tables.cos.narrow(0, 0, length)), sin(tables.sin.narrow(0, 0, length));
  Variable x1 = narrow(x, -1, 0, half), x2 = narrow(x, -1, half, half);
  return cat({x1 * cos - x2 * sin, x1 * sin + x2 * cos}, -1);
}

std::vector<double> alibi_slopes(int64_t n_head) {
  SF_CHECK(n_head > 0, "alibi_slopes: need at least one head, got ", n_head);
  auto power_of_two_slopes = [](int64_t n) {
    std::vector<double> m;
    for (int64_t h = 1; h <= n; ++h) m.push_back(std::exp2(-8.0 * static_cast<double>(h) / static_cast<double>(n)));
    return m;
  };
  int64_t p = 1;
  while (p * 2 <= n_head) p *= 2;
  std::vector<double> slopes = power_of_two_slopes(p);
  const std::vector<double> finer = power_of_two_slopes(2 * p);
  for (size_t k = 0; static_cast<int64_t>(slopes.size()) < n_head; k += 2) slopes.push_back(finer[k]);
  return slopes;
}

Tensor alibi_bias(int64_t n_head, int64_t length, DType dtype) {
  const std::vector<double> m = alibi_slopes(n_head);
  std::vector<double> bias(static_cast<size_t>(n_head * length * length), 0.0);
  for (int64_t h = 0; h < n_head; ++h)
    for (int64_t i = 0; i < length; ++i)
      for (int64_t j = 0; j <= i; ++j) bias[(h * length + i) * length + j] = -m[h] * static_cast<double>(i - j);
  return from_vector<double>(bias, {n_head, length, length}).to(dtype);
}

Tensor alibi_bias(int64_t n_head, const std::vector<int64_t>& distances, DType dtype) {
  const std::vector<double> m = alibi_slopes(n_head);
  const int64_t n = static_cast<int64_t>(distances.size());
  std::vector<double> bias(static_cast<size_t>(n_head * n));
  for (int64_t h = 0; h < n_head; ++h)
    for (int64_t j = 0; j < n; ++j) bias[h * n + j] = -m[h] * static_cast<double>(distances[j]);
  return from_vector<double>(bias, {n_head, 1, n}).to(dtype);
}

}  // namespace sf

#include "core/cpu/reduce.h"

#include <cmath>
#include <limits>
#include <type_traits>

#include "core/cpu/loop.h"
#include "core/parallel.h"

namespace sf::cpu {
namespace {

constexpr int64_t kBlock = 4096;    // elements per leaf of a row's summation tree
constexpr int64_t kLanes = 16;      // interleaved accumulators inside a leaf
constexpr int64_t kColBlock = 256;  // rows added sequentially before a column block is folded in
constexpr int64_t kColChunk = 512;  // columns per task of a column reduction

// The reduction layout: x (contiguous) read as (outer, n, inner), reduced over n.
struct Plan {
  Tensor x;
  int64_t outer = 1, n = 1, inner = 1;
};

// Groups the dims into runs of kept / reduced dims. Layouts (K, R), (R, K) and (K, R, K) are reduced in
// place; anything else is first permuted to (kept..., reduced...) with one copy.
Plan make_plan(const Tensor& x_in, const std::vector<bool>& mask) {
  Tensor x = x_in.contiguous();
  std::vector<std::pair<bool, int64_t>> runs;  // (reduced, size)
  for (int64_t d = 0; d < x.dim(); ++d) {
    if (x.size(d) == 1) continue;
    if (!runs.empty() && runs.back().first == mask[d]) runs.back().second *= x.size(d);
    else runs.push_back({mask[d], x.size(d)});
  }
  if (x.numel() == 0) {  // empty: sizes matter, runs do not
    Plan p{x, 1, 1, 1};
    for (int64_t d = 0; d < x.dim(); ++d) (mask[d] ? p.n : p.outer) *= x.size(d);
    return p;
  }
  size_t i = 0;
  Plan p{x};
  if (i < runs.size() && !runs[i].first) p.outer = runs[i++].second;
  if (i < runs.size() && runs[i].first) p.n = runs[i++].second;
  if (i < runs.size() && !runs[i].first) p.inner = runs[i++].second;
  if (i == runs.size()) return p;

  Shape perm;
  int64_t kept = 1, red = 1;
  for (int64_t d = 0; d < x.dim(); ++d)
    if (!mask[d]) perm.push_back(d), kept *= x.size(d);
  for (int64_t d = 0; d < x.dim(); ++d)
    if (mask[d]) perm.push_back(d), red *= x.size(d);
  return Plan{x.permute(perm).contiguous(), kept, red, 1};
}

// Reducers: Acc identity(), Acc map(T, out_index), Acc combine(Acc, Acc).
template <class T, bool Squares>
struct SumOp {
  using Acc = std::conditional_t<std::is_integral_v<T>, int64_t, T>;
  const T* center = nullptr;  // Squares: sum of (x - center[out])^2
  static Acc identity() { return Acc(0); }
  Acc map(T v, int64_t out) const {
    if constexpr (Squares) {
      Acc d = Acc(v) - Acc(center[out]);
      return d * d;
    } else {
      return Acc(v);
    }
  }
  static Acc combine(Acc a, Acc b) { return a + b; }
};

template <class T, bool Max>
struct ExtremeOp {  // NaN wins, as in PyTorch
  using Acc = T;
  static Acc identity() {
    if constexpr (std::is_floating_point_v<T>) return Max ? -std::numeric_limits<T>::infinity()
                                                          : std::numeric_limits<T>::infinity();
    else return Max ? std::numeric_limits<T>::lowest() : std::numeric_limits<T>::max();
  }
  Acc map(T v, int64_t) const { return v; }
  static Acc combine(Acc a, Acc b) {
    if (a != a) return a;
    if (b != b) return b;
    return (Max ? b > a : b < a) ? b : a;
  }
};

template <class R, class T>
typename R::Acc leaf(const T* p, int64_t n, const R& r, int64_t out) {
  using Acc = typename R::Acc;
  Acc lane[kLanes];
  for (auto& l : lane) l = R::identity();
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int64_t l = 0; l < kLanes; ++l) lane[l] = R::combine(lane[l], r.map(p[i + l], out));
  Acc tail = R::identity();
  for (; i < n; ++i) tail = R::combine(tail, r.map(p[i], out));
  for (int64_t w = kLanes / 2; w >= 1; w /= 2)
    for (int64_t l = 0; l < w; ++l) lane[l] = R::combine(lane[l], lane[l + w]);
  return R::combine(lane[0], tail);
}

// Pairwise over leaves [b0, b1); leaf_at(b) gives leaf b's value.
template <class Acc, class LeafAt, class Combine>
Acc tree_with(int64_t b0, int64_t b1, const LeafAt& leaf_at, Combine comb) {
  if (b1 - b0 == 1) return leaf_at(b0);
  int64_t mid = b0 + (b1 - b0 + 1) / 2;
  return comb(tree_with<Acc>(b0, mid, leaf_at, comb), tree_with<Acc>(mid, b1, leaf_at, comb));
}

// out[o] = reduce over x[o, 0:n] (inner == 1).
template <class R, class T>
void reduce_rows(const T* x, int64_t outer, int64_t n, typename R::Acc* out, const R& r) {
  using Acc = typename R::Acc;
  const int64_t nb = (n + kBlock - 1) / kBlock;
  if (nb <= 1) {
    parallel_for(outer, std::max<int64_t>(1, kElementGrain / std::max<int64_t>(n, 1)), [&](int64_t o0, int64_t o1) {
      for (int64_t o = o0; o < o1; ++o) out[o] = n == 0 ? R::identity() : leaf(x + o * n, n, r, o);
    });
    return;
  }
  // Leaves of every row in parallel, then each row's tree over its leaves (same tree as serial).
  std::vector<Acc> leaves(static_cast<size_t>(outer * nb));
  parallel_for(outer * nb, 4, [&](int64_t l0, int64_t l1) {
    for (int64_t l = l0; l < l1; ++l) {
      int64_t o = l / nb, b = l % nb;
      leaves[l] = leaf(x + o * n + b * kBlock, std::min(kBlock, n - b * kBlock), r, o);
    }
  });
  parallel_for(outer, 64, [&](int64_t o0, int64_t o1) {
    for (int64_t o = o0; o < o1; ++o)
      out[o] = tree_with<Acc>(0, nb, [&](int64_t b) { return leaves[o * nb + b]; }, R::combine);
  });
}

// out[o, i] = reduce over x[o, 0:n, i] (inner > 1): vectorised across i, blocked along n.
template <class R, class T>
void reduce_cols(const T* x, int64_t outer, int64_t n, int64_t inner, typename R::Acc* out, const R& r) {
  using Acc = typename R::Acc;
  const int64_t chunks = (inner + kColChunk - 1) / kColChunk;
  const int64_t grain = std::max<int64_t>(1, kElementGrain / std::max<int64_t>(n * std::min(inner, kColChunk), 1));
  parallel_for(outer * chunks, grain, [&](int64_t t0, int64_t t1) {
    Acc acc[kColChunk], part[kColChunk];
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t o = t / chunks, i0 = (t % chunks) * kColChunk, w = std::min(kColChunk, inner - i0);
      const int64_t ob = o * inner + i0;
      for (int64_t c = 0; c < w; ++c) acc[c] = R::identity();
      for (int64_t r0 = 0; r0 < n; r0 += kColBlock) {
        for (int64_t c = 0; c < w; ++c) part[c] = R::identity();
        for (int64_t rr = r0; rr < std::min(n, r0 + kColBlock); ++rr) {
          const T* row = x + (o * n + rr) * inner + i0;
#pragma omp simd
          for (int64_t c = 0; c < w; ++c) part[c] = R::combine(part[c], r.map(row[c], ob + c));
        }
        for (int64_t c = 0; c < w; ++c) acc[c] = R::combine(acc[c], part[c]);
      }
      for (int64_t c = 0; c < w; ++c) out[ob + c] = acc[c];
    }
  });
}

// Reduces plan p with reducer r into a new (outer * inner) buffer of R::Acc.
template <class R, class T>
std::vector<typename R::Acc> run(const Plan& p, const R& r) {
  std::vector<typename R::Acc> out(static_cast<size_t>(p.outer * p.inner));
  const T* x = p.x.data<T>();
  if (p.inner == 1) reduce_rows(x, p.outer, p.n, out.data(), r);
  else reduce_cols(x, p.outer, p.n, p.inner, out.data(), r);
  return out;
}

Shape kept_shape(const Tensor& x, const std::vector<bool>& mask) {
  Shape s;
  for (int64_t d = 0; d < x.dim(); ++d)
    if (!mask[d]) s.push_back(x.size(d));
  return s;
}

// Writes acc values converted to T into a new tensor of the kept shape; f maps an Acc to T.
template <class T, class Acc, class F>
Tensor emit(const Tensor& x, const std::vector<bool>& mask, const std::vector<Acc>& acc, F f) {
  Tensor out = empty(kept_shape(x, mask), x.dtype());
  T* o = out.data<T>();
  for (size_t i = 0; i < acc.size(); ++i) o[i] = f(acc[i]);
  return out;
}

}  // namespace

Tensor sum(const Tensor& x, const std::vector<bool>& mask) {
  return SF_DISPATCH_ARITH(x.dtype(), "sum", [&] {
    using R = SumOp<scalar_t, false>;
    auto acc = run<R, scalar_t>(make_plan(x, mask), R{});
    return emit<scalar_t>(x, mask, acc, [](typename R::Acc a) { return static_cast<scalar_t>(a); });
  });
}

Tensor mean(const Tensor& x, const std::vector<bool>& mask) {
  return SF_DISPATCH_FLOAT(x.dtype(), "mean", [&] {
    Plan p = make_plan(x, mask);
    using R = SumOp<scalar_t, false>;
    auto acc = run<R, scalar_t>(p, R{});
    const scalar_t n = static_cast<scalar_t>(p.n);
    return emit<scalar_t>(x, mask, acc, [n](scalar_t a) { return a / n; });
  });
}

Tensor amax(const Tensor& x, const std::vector<bool>& mask) {
  return SF_DISPATCH_ARITH(x.dtype(), "amax", [&] {
    auto acc = run<ExtremeOp<scalar_t, true>, scalar_t>(make_plan(x, mask), {});
    return emit<scalar_t>(x, mask, acc, [](scalar_t a) { return a; });
  });
}

Tensor amin(const Tensor& x, const std::vector<bool>& mask) {
  return SF_DISPATCH_ARITH(x.dtype(), "amin", [&] {
    auto acc = run<ExtremeOp<scalar_t, false>, scalar_t>(make_plan(x, mask), {});
    return emit<scalar_t>(x, mask, acc, [](scalar_t a) { return a; });
  });
}

// Two passes (mean, then squared deviations): stable where the one-pass formula cancels.
Tensor var(const Tensor& x, const std::vector<bool>& mask, bool unbiased) {
  return SF_DISPATCH_FLOAT(x.dtype(), "var", [&] {
    Plan p = make_plan(x, mask);
    auto mu = run<SumOp<scalar_t, false>, scalar_t>(p, {});
    const scalar_t n = static_cast<scalar_t>(p.n);
    for (auto& m : mu) m /= n;
    SumOp<scalar_t, true> sq{mu.data()};
    auto acc = run<SumOp<scalar_t, true>, scalar_t>(p, sq);
    const scalar_t denom = n - (unbiased ? 1 : 0);
    return emit<scalar_t>(x, mask, acc, [denom](scalar_t a) { return a / denom; });
  });
}

Tensor argmax(const Tensor& x_in, int64_t dim) {
  Tensor x = x_in.contiguous();
  DimSplit s = split_at(x.shape(), dim);
  Shape out_shape = x.shape();
  out_shape.erase(out_shape.begin() + dim);
  Tensor out = empty(out_shape, DType::i64);
  int64_t* o = out.data<int64_t>();
  SF_DISPATCH_ARITH(x.dtype(), "argmax", [&] {
    const scalar_t* p = x.data<scalar_t>();
    parallel_for(s.outer * s.inner, std::max<int64_t>(1, kElementGrain / std::max<int64_t>(s.n, 1)),
                 [&](int64_t t0, int64_t t1) {
                   for (int64_t t = t0; t < t1; ++t) {
                     const int64_t oi = t / s.inner, ii = t % s.inner;
                     const scalar_t* q = p + oi * s.n * s.inner + ii;
                     scalar_t best = q[0];
                     int64_t arg = 0;
                     for (int64_t r = 1; r < s.n && best == best; ++r) {  // a NaN is the maximum
                       scalar_t v = q[r * s.inner];
                       if (v > best || v != v) best = v, arg = r;
                     }
                     o[t] = arg;
                   }
                 });
  });
  return out;
}

}  // namespace sf::cpu

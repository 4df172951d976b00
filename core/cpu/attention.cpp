#include "core/cpu/attention.h"

// Tile products are single-threaded Eigen GEMMs, or oneDNN bf16 GEMMs at MatmulPrecision::bf16; the
// threading is over tasks (see attention.h).
#define EIGEN_DONT_PARALLELIZE
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <Eigen/Core>
#include <cmath>
#include <limits>
#include <type_traits>

#include "core/cpu/gemm.h"
#include "core/error.h"
#include "core/ops.h"
#include "core/parallel.h"

namespace sf::cpu {
namespace {

constexpr int64_t T = kFlashTile;
constexpr int64_t kMinTaskWork = 1 << 16;  // multiply-adds below which tasks are not worth a thread

template <class S>
using Mat = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <class S>
using Map = Eigen::Map<Mat<S>, 0, Eigen::OuterStride<>>;
template <class S>
using CMap = Eigen::Map<const Mat<S>, 0, Eigen::OuterStride<>>;

// One (B, H, L, d_h) operand read in place: rows of one head are `ls` apart.
template <class S>
struct Heads {
  S* p;
  int64_t bs, hs, ls, H;
  S* head(int64_t bh) const { return p + (bh / H) * bs + (bh % H) * hs; }
};

Tensor rows_readable(const Tensor& x) { return x.stride(3) == 1 ? x : x.contiguous(); }

template <class S>
Heads<S> heads(const Tensor& x) {
  return {x.data<std::remove_const_t<S>>(), x.stride(0), x.stride(1), x.stride(2), x.size(1)};
}

// A (B, H, L, d_h) result stored as (B, L, H, d_h).
Tensor head_major_buffer(int64_t B, int64_t H, int64_t L, int64_t d, DType dtype) {
  return empty({B, L, H, d}, dtype).transpose(1, 2);
}

// The bias of one head, broadcast to (L, L): element (i, j) at p[i * is + j * js].
template <class S>
struct Bias {
  const S* p = nullptr;
  int64_t bs = 0, hs = 0, is = 0, js = 0, H = 1;
  const S* head(int64_t bh) const { return p ? p + (bh / H) * bs + (bh % H) * hs : nullptr; }
};

template <class S>
Bias<S> bias_of(const Tensor& bias, int64_t B, int64_t H, int64_t L, Tensor& keep) {
  Bias<S> b;
  if (!bias.defined()) return b;
  keep = bias.to(dtype_of<S>()).expand({B, H, L, L});
  b.p = keep.data<S>();
  b.bs = keep.stride(0), b.hs = keep.stride(1), b.is = keep.stride(2), b.js = keep.stride(3), b.H = H;
  return b;
}

// c (m × n, row stride ldc) = alpha · op(a) · op(b) + beta · c (beta 0 or 1) on row-major tiles: Eigen on
// S operands, oneDNN's bf16 GEMM on bf16 ones (MatmulPrecision::bf16, see attention.h).
template <class S, class E>
void product(S* c, int64_t ldc, const E* a, int64_t lda, bool ta, const E* b, int64_t ldb, bool tb, int64_t m,
             int64_t n, int64_t k, S alpha, S beta) {
  if constexpr (std::is_same_v<E, bf16>) {
    gemm_bf16_tile(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  } else {
    CMap<S> A(a, ta ? k : m, ta ? m : k, Eigen::OuterStride<>(lda));
    CMap<S> B(b, tb ? n : k, tb ? k : n, Eigen::OuterStride<>(ldb));
    Map<S> C(c, m, n, Eigen::OuterStride<>(ldc));
    if (beta == S(0)) C.setZero();
    if (!ta && !tb) C.noalias() += alpha * A * B;
    else if (!ta) C.noalias() += alpha * A * B.transpose();
    else if (!tb) C.noalias() += alpha * A.transpose() * B;
    else C.noalias() += alpha * A.transpose() * B.transpose();
  }
}

// An S tile of n values as a product operand: itself, or rounded into the bf16 scratch.
template <class E, class S>
const E* operand(const S* tile, int64_t n, E* scratch) {
  if constexpr (std::is_same_v<E, S>) {
    return tile;
  } else {
    for (int64_t i = 0; i < n; ++i) scratch[i] = bf16(tile[i]);
    return scratch;
  }
}

// The operands' element type E is S, or bf16 when S is float and products run on oneDNN's bf16 GEMM.
bool bf16_tiles(DType dtype) {
  return dtype == DType::f32 && matmul_precision() == MatmulPrecision::bf16 && bf16_gemm_available();
}

// Calls hide(c0, c1) for each run [c0, c1) of columns of a tile row (query i, keys j0 .. j0 + nj − 1) that
// the mask hides: the window's expired keys, then the keys after i.
template <class F>
void hidden_columns(const AttentionMask& mask, int64_t i, int64_t j0, int64_t nj, F hide) {
  const int64_t e0 = std::max(mask.expired_begin(), j0) - j0, e1 = std::min(mask.expired_end(i), j0 + nj) - j0;
  if (e0 < e1) hide(e0, e1);
  if (j0 + nj - 1 > i) hide(std::max<int64_t>(0, i - j0 + 1), nj);
}

// Whether the window hides keys j0 .. j0 + nj − 1 from query i0 and so (it only slides forward) from every
// later query: such tiles are skipped, which makes a window of w cost O(L·(w + prefix)).
bool expired_tile(const AttentionMask& mask, int64_t i0, int64_t j0, int64_t nj) {
  return j0 >= mask.expired_begin() && j0 + nj <= mask.expired_end(i0);
}

// Sets the hidden entries of the tile (ni × nj, row stride nj; query i0 + r, key j0 + c) to `value`.
template <class S>
void fill_hidden(S* w, int64_t ni, int64_t nj, const AttentionMask& mask, int64_t i0, int64_t j0, S value) {
  for (int64_t r = 0; r < ni; ++r)
    hidden_columns(mask, i0 + r, j0, nj,
                   [&](int64_t c0, int64_t c1) { std::fill(w + r * nj + c0, w + r * nj + c1, value); });
}

// S (ni × nj, row stride nj) = s · Q_I K_J^T + bias, -inf where the mask hides a key (query i0 + r, key j0 + c).
template <class S, class E>
void scores(S* w, int64_t ni, int64_t nj, int64_t d, const E* qi, int64_t ldq, const E* kj, int64_t ldk, S scale,
            const S* bias, const Bias<S>& bl, const AttentionMask& mask, int64_t i0, int64_t j0) {
  product(w, nj, qi, ldq, false, kj, ldk, true, ni, nj, d, scale, S(0));
  Map<S> sc(w, ni, nj, Eigen::OuterStride<>(nj));
  if (bias)
    for (int64_t r = 0; r < ni; ++r)
      for (int64_t c = 0; c < nj; ++c) sc(r, c) += bias[(i0 + r) * bl.is + (j0 + c) * bl.js];
  fill_hidden(w, ni, nj, mask, i0, j0, -std::numeric_limits<S>::infinity());
}

// Q, K, V (and dO) as the products read them: the tensors themselves, or their bf16 roundings.
template <class E>
Tensor product_operand(const Tensor& x) {
  if constexpr (std::is_same_v<E, bf16>) return to_bf16_strided(x);
  else return x;
}

template <class S, class E>
FlashForward forward_t(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& bias_in,
                       const AttentionMask& mask) {
  const int64_t B = q.size(0), H = q.size(1), L = q.size(2), d = q.size(3);
  const S scale = S(1) / std::sqrt(S(d));
  FlashForward r{head_major_buffer(B, H, L, d, q.dtype()), empty({B, H, L}, q.dtype())};
  Tensor bias_keep;
  const Bias<S> bias = bias_of<S>(bias_in, B, H, L, bias_keep);
  const Tensor qe = product_operand<E>(q), ke = product_operand<E>(k), ve = product_operand<E>(v);
  const Heads<const E> Q = heads<const E>(qe), K = heads<const E>(ke), V = heads<const E>(ve);
  const Heads<S> O = heads<S>(r.out);
  S* lse = r.lse.data<S>();
  const int64_t tiles = (L + T - 1) / T;
  // A task is one query tile against the keys up to it: small ones are grouped to pay for a parallel region.
  const int64_t task_work = std::min(T, L) * std::min(T, L) * d;
  parallel_for(B * H * tiles, std::max<int64_t>(1, kMinTaskWork / task_work), [&](int64_t t0, int64_t t1) {
    Tensor scratch = empty({T * T + T * d + 2 * T}, q.dtype());
    Tensor tile = std::is_same_v<E, S> ? Tensor() : empty({T * T}, dtype_of<E>());
    S* w = scratch.data<S>();
    E* pe = tile.defined() ? tile.data<E>() : nullptr;
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t bh = t / tiles, i0 = (t % tiles) * T, ni = std::min(T, L - i0);
      const E* qi = Q.head(bh) + i0 * Q.ls;
      Map<S> acc(w + T * T, ni, d, Eigen::OuterStride<>(d));
      S *m = w + T * T + T * d, *l = m + T;
      acc.setZero();
      std::fill(m, m + ni, -std::numeric_limits<S>::infinity());
      std::fill(l, l + ni, S(0));
      for (int64_t j0 = 0; j0 <= i0 + ni - 1; j0 += T) {
        const int64_t nj = std::min(T, L - j0);
        if (expired_tile(mask, i0, j0, nj)) continue;
        Map<S> sc(w, ni, nj, Eigen::OuterStride<>(nj));
        scores(w, ni, nj, d, qi, Q.ls, K.head(bh) + j0 * K.ls, K.ls, scale, bias.head(bh), bias, mask, i0, j0);
        for (int64_t r = 0; r < ni; ++r) {
          const S m_new = std::max(m[r], sc.row(r).maxCoeff());
          if (m_new == -std::numeric_limits<S>::infinity()) {  // under a window: none of the row's keys seen yet
            sc.row(r).setZero();
            continue;
          }
          const S c = std::exp(m[r] - m_new);
          sc.row(r) = (sc.row(r).array() - m_new).exp().matrix();
          hidden_columns(mask, i0 + r, j0, nj, [&](int64_t c0, int64_t c1) {  // exp(-inf) exactly 0
            sc.row(r).segment(c0, c1 - c0).setZero();
          });
          l[r] = c * l[r] + sc.row(r).sum();
          acc.row(r) *= c;
          m[r] = m_new;
        }
        product(acc.data(), d, operand(w, ni * nj, pe), nj, false, V.head(bh) + j0 * V.ls, V.ls, false, ni, d, nj,
                S(1), S(1));
      }
      Map<S> oi(O.head(bh) + i0 * O.ls, ni, d, Eigen::OuterStride<>(O.ls));
      S* lse_i = lse + bh * L + i0;
      for (int64_t r = 0; r < ni; ++r) {
        oi.row(r) = acc.row(r) / l[r];
        lse_i[r] = m[r] + std::log(l[r]);
      }
    }
  });
  return r;
}

template <class S, class E>
FlashGrads backward_t(const Tensor& dout, const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& bias_in,
                      const Tensor& out, const Tensor& lse_t, const AttentionMask& mask) {
  const int64_t B = q.size(0), H = q.size(1), L = q.size(2), d = q.size(3);
  const S scale = S(1) / std::sqrt(S(d));
  FlashGrads g{head_major_buffer(B, H, L, d, q.dtype()), head_major_buffer(B, H, L, d, q.dtype()),
               head_major_buffer(B, H, L, d, q.dtype())};
  Tensor bias_keep;
  const Bias<S> bias = bias_of<S>(bias_in, B, H, L, bias_keep);
  const Tensor qe = product_operand<E>(q), ke = product_operand<E>(k), ve = product_operand<E>(v),
               de = product_operand<E>(dout);
  const Heads<const E> Q = heads<const E>(qe), K = heads<const E>(ke), V = heads<const E>(ve), dOe = heads<const E>(de);
  const Heads<S> O = heads<S>(out), dO = heads<S>(dout);
  const Heads<S> dQ = heads<S>(g.dq), dK = heads<S>(g.dk), dV = heads<S>(g.dv);
  Tensor dvec_t = empty({B * H, L}, q.dtype());
  S* dvec = dvec_t.data<S>();
  const S* lse = lse_t.data<S>();
  parallel_for(B * H, std::max<int64_t>(1, kMinTaskWork / (L * L * d)), [&](int64_t b0, int64_t b1) {
    Tensor scratch = empty({2 * T * T + 2 * T * d}, q.dtype());
    Tensor tile = std::is_same_v<E, S> ? Tensor() : empty({T * T}, dtype_of<E>());
    S* w = scratch.data<S>();
    E* te = tile.defined() ? tile.data<E>() : nullptr;
    for (int64_t bh = b0; bh < b1; ++bh) {
      S* D = dvec + bh * L;  // D_i = Σ_k dO_ik O_ik
      for (int64_t i = 0; i < L; ++i) {
        const S *o = O.head(bh) + i * O.ls, *go = dO.head(bh) + i * dO.ls;
        S s = 0;
        for (int64_t c = 0; c < d; ++c) s += o[c] * go[c];
        D[i] = s;
      }
      for (int64_t i = 0; i < L; ++i) std::fill(dQ.head(bh) + i * dQ.ls, dQ.head(bh) + i * dQ.ls + d, S(0));
      for (int64_t j0 = 0; j0 < L; j0 += T) {
        const int64_t nj = std::min(T, L - j0);
        const E *kj = K.head(bh) + j0 * K.ls, *vj = V.head(bh) + j0 * V.ls;
        S *dkj = w + 2 * T * T, *dvj = w + 2 * T * T + T * d;
        std::fill(dkj, dkj + 2 * T * d, S(0));
        for (int64_t i0 = j0 / T * T; i0 < L; i0 += T) {  // query tiles at or below the diagonal
          if (expired_tile(mask, i0, j0, nj)) break;
          const int64_t ni = std::min(T, L - i0);
          const E *qi = Q.head(bh) + i0 * Q.ls, *doi = dOe.head(bh) + i0 * dOe.ls;
          Map<S> p(w, ni, nj, Eigen::OuterStride<>(nj)), dp(w + T * T, ni, nj, Eigen::OuterStride<>(nj));
          scores(w, ni, nj, d, qi, Q.ls, kj, K.ls, scale, bias.head(bh), bias, mask, i0, j0);
          const S* lse_i = lse + bh * L + i0;
          for (int64_t r = 0; r < ni; ++r) p.row(r) = (p.row(r).array() - lse_i[r]).exp().matrix();
          fill_hidden(w, ni, nj, mask, i0, j0, S(0));
          product(dvj, d, operand(p.data(), ni * nj, te), nj, true, doi, dOe.ls, false, nj, d, ni, S(1), S(1));
          product(dp.data(), nj, doi, dOe.ls, false, vj, V.ls, true, ni, nj, d, S(1), S(0));
          for (int64_t r = 0; r < ni; ++r)  // dS = P ⊙ (dP − D), scaled by s once here
            dp.row(r) = (scale * p.row(r).array() * (dp.row(r).array() - D[i0 + r])).matrix();
          const E* ds = operand(dp.data(), ni * nj, te);
          product(dQ.head(bh) + i0 * dQ.ls, dQ.ls, ds, nj, false, kj, K.ls, false, ni, d, nj, S(1), S(1));
          product(dkj, d, ds, nj, true, qi, Q.ls, false, nj, d, ni, S(1), S(1));
        }
        Map<S>(dK.head(bh) + j0 * dK.ls, nj, d, Eigen::OuterStride<>(dK.ls)) = Map<S>(dkj, nj, d, Eigen::OuterStride<>(d));
        Map<S>(dV.head(bh) + j0 * dV.ls, nj, d, Eigen::OuterStride<>(dV.ls)) = Map<S>(dvj, nj, d, Eigen::OuterStride<>(d));
      }
    }
  });
  return g;
}

void check_operand(const Tensor& x, const Tensor& q, const char* name) {
  SF_CHECK(x.dim() == 4 && x.shape() == q.shape() && x.dtype() == q.dtype(), "flash attention: ", name,
           " must match q's (B, H, L, d_h) shape and dtype, got ", shape_str(x.shape()));
}

void check_mask(const AttentionMask& mask) {
  SF_CHECK(mask.window >= 0 && mask.prefix >= 0, "flash attention: the mask's window and prefix must be >= 0, got ",
           mask.window, " and ", mask.prefix);
}

}  // namespace

FlashForward flash_attention_forward(const Tensor& q_in, const Tensor& k_in, const Tensor& v_in, const Tensor& bias,
                                     const AttentionMask& mask) {
  check_operand(q_in, q_in, "q");
  check_operand(k_in, q_in, "k");
  check_operand(v_in, q_in, "v");
  check_mask(mask);
  const Tensor q = rows_readable(q_in), k = rows_readable(k_in), v = rows_readable(v_in);
  if (bf16_tiles(q.dtype())) return forward_t<float, bf16>(q, k, v, bias, mask);
  return SF_DISPATCH_FLOAT(q.dtype(), "flash_attention",
                           [&] { return forward_t<scalar_t, scalar_t>(q, k, v, bias, mask); });
}

FlashGrads flash_attention_backward(const Tensor& dout_in, const Tensor& q_in, const Tensor& k_in, const Tensor& v_in,
                                    const Tensor& bias, const Tensor& out_in, const Tensor& lse,
                                    const AttentionMask& mask) {
  check_operand(dout_in, q_in, "dout");
  check_mask(mask);
  const Tensor q = rows_readable(q_in), k = rows_readable(k_in), v = rows_readable(v_in);
  const Tensor dout = rows_readable(dout_in.to(q.dtype())), out = rows_readable(out_in);
  if (bf16_tiles(q.dtype())) return backward_t<float, bf16>(dout, q, k, v, bias, out, lse.contiguous(), mask);
  return SF_DISPATCH_FLOAT(q.dtype(), "flash_attention_backward", [&] {
    return backward_t<scalar_t, scalar_t>(dout, q, k, v, bias, out, lse.contiguous(), mask);
  });
}

size_t flash_attention_scratch_bytes(int64_t head_dim, DType dtype) {
  const size_t tile = bf16_tiles(dtype) ? static_cast<size_t>(T * T) * sizeof(bf16) : 0;
  return static_cast<size_t>(2 * T * T + 2 * T * head_dim) * dtype_size(dtype) + tile;
}

size_t flash_attention_peak_bytes(int64_t batch, int64_t heads, int64_t length, int64_t head_dim, DType dtype,
                                  int threads) {
  const int64_t rows = batch * heads * length;
  const size_t copies = bf16_tiles(dtype) ? static_cast<size_t>(4 * rows * head_dim) * sizeof(bf16) : 0;
  return static_cast<size_t>(4 * rows * head_dim + 2 * rows) * dtype_size(dtype) + copies +
         static_cast<size_t>(threads) * flash_attention_scratch_bytes(head_dim, dtype);
}

}  // namespace sf::cpu

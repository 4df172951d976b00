#include "core/cpu/gemm.h"

// Eigen must never thread a GEMM itself (see gemm.h): its k-blocking would then depend on the thread
// count. This file is the only one that instantiates Eigen's GEMM, so the macro governs all of them.
#define EIGEN_DONT_PARALLELIZE
// GCC 12 flags Eigen's AVX-512 transposes as maybe-uninitialized (a false positive).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <Eigen/Core>
#include <climits>
#include <memory>
#include <type_traits>
#include <vector>

#include "core/cpu/blas.h"
#include "core/cpu/loop.h"
#include "core/ops.h"
#include "core/parallel.h"
#include "core/storage.h"
#include "core/strided.h"

namespace sf::cpu {
namespace {

constexpr int64_t kPanel = 64;              // minimum rows (or columns) of an output panel
constexpr int64_t kMaxPanels = 64;
constexpr int64_t kSharedPerPanel = 1 << 18;  // shared-operand values per kPanel of panel length
constexpr int64_t kPanelWork = 1 << 20;     // multiply-adds per panel, at least
constexpr int64_t kSerialWork = 1 << 16;    // below this, one call without a parallel region
constexpr int64_t kKChunk = 1024;           // inner-dim chunk when splitting K
constexpr int64_t kBatchSmallWork = 1 << 18;  // batched GEMMs this small run one per thread
constexpr int64_t kCopyBRows = 1024;         // rows of A from which a transposed B is copied row-major

// A logical matrix (after the transpose flag) in the layout Eigen reads.
template <class T>
struct Mat {
  const T* p = nullptr;
  int64_t rows = 0, cols = 0;
  bool row_major = true;
  int64_t ld = 1;
  Mat block(int64_t r0, int64_t nr, int64_t c0, int64_t nc) const {
    Mat m = *this;
    m.p = p + (row_major ? r0 * ld + c0 : c0 * ld + r0);
    m.rows = nr;
    m.cols = nc;
    return m;
  }
};

// Row-major when the column stride is 1, column-major when the row stride is 1 (sizes of 1 make a
// stride irrelevant); false when neither holds.
bool layout(int64_t rows, int64_t cols, int64_t rs, int64_t cs, bool& row_major, int64_t& ld) {
  if ((cols <= 1 || cs == 1) && (rows <= 1 || rs >= std::max<int64_t>(cols, 1))) {
    row_major = true;
    ld = rows <= 1 ? std::max<int64_t>(cols, 1) : rs;
    return true;
  }
  if ((rows <= 1 || rs == 1) && (cols <= 1 || cs >= std::max<int64_t>(rows, 1))) {
    row_major = false;
    ld = cols <= 1 ? std::max<int64_t>(rows, 1) : cs;
    return true;
  }
  return false;
}

// The logical matrix op(x) of the last two dims (strides of one batch slice).
bool readable(const Tensor& x, bool trans) {
  int64_t r = x.size(-2), c = x.size(-1), rs = x.stride(-2), cs = x.stride(-1), ld;
  if (trans) std::swap(r, c), std::swap(rs, cs);
  bool rm;
  return layout(r, c, rs, cs, rm, ld);
}

template <class T>
Mat<T> as_mat(const Tensor& x, bool trans, int64_t offset) {
  Mat<T> m;
  int64_t rs = x.stride(-2), cs = x.stride(-1);
  m.rows = x.size(-2);
  m.cols = x.size(-1);
  if (trans) std::swap(m.rows, m.cols), std::swap(rs, cs);
  layout(m.rows, m.cols, rs, cs, m.row_major, m.ld);
  m.p = x.data<T>() + offset;
  return m;
}

template <class T, int Order>
using MapC = Eigen::Map<const Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Order>, 0, Eigen::OuterStride<>>;
template <class T>
using MapOut = Eigen::Map<Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>, 0, Eigen::OuterStride<>>;

template <class T, int OA, int OB>
void eigen_gemm(const Mat<T>& a, const Mat<T>& b, T* c, int64_t ldc, T alpha, T beta) {
  MapC<T, OA> A(a.p, a.rows, a.cols, Eigen::OuterStride<>(a.ld));
  MapC<T, OB> B(b.p, b.rows, b.cols, Eigen::OuterStride<>(b.ld));
  MapOut<T> C(c, a.rows, b.cols, Eigen::OuterStride<>(ldc));
  if (beta == T(0)) {
    if (alpha == T(1)) C.noalias() = A * B;
    else C.noalias() = alpha * A * B;
  } else {
    if (beta != T(1)) C *= beta;
    C.noalias() += alpha * A * B;
  }
}

template <class T>
bool fits_int(const Mat<T>& m) {
  return m.rows <= INT_MAX && m.cols <= INT_MAX && m.ld <= INT_MAX;
}

// oneDNN threads a call over omp_get_max_threads() unless it runs inside a parallel region; hold it to one
// thread everywhere (gemm.h: threading is ours).
class OneThread {
 public:
  OneThread() : prev_(omp_get_max_threads()) { omp_set_num_threads(1); }
  ~OneThread() { omp_set_num_threads(prev_); }

 private:
  int prev_;
};

void check_onednn(int status, const char* call) { SF_CHECK(status == 0, call, " failed (dnnl_status_t ", status, ")"); }

// One single-threaded GEMM: C = beta C + alpha A B, by oneDNN (float) or OpenBLAS when loaded, else Eigen.
// E is the operands' element type: T itself, or bf16 with a float C (oneDNN's bf16 GEMM).
template <class E, class T>
void gemm_call(const Mat<E>& a, const Mat<E>& b, T* c, int64_t ldc, T alpha, T beta) {
  if (a.rows == 0 || b.cols == 0) return;
  if (a.cols == 0) {  // empty inner dim: the product is zero
    for (int64_t i = 0; i < a.rows; ++i)
      for (int64_t j = 0; j < b.cols; ++j) c[i * ldc + j] = beta == T(0) ? T(0) : beta * c[i * ldc + j];
    return;
  }
  const bool fits = fits_int(a) && fits_int(b) && ldc <= INT_MAX;
  if constexpr (std::is_same_v<E, bf16>) {
    const OneDnn* dnnl = onednn();
    SF_CHECK(dnnl && dnnl->bf16_gemm && fits, "gemm: bfloat16 operands need oneDNN's bf16 GEMM and sizes below 2^31");
    OneThread one;
    check_onednn(dnnl->bf16_gemm(a.row_major ? 'N' : 'T', b.row_major ? 'N' : 'T', a.rows, b.cols, a.cols, alpha,
                                 &a.p->bits, a.ld, &b.p->bits, b.ld, beta, c, ldc),
                 "dnnl_gemm_bf16bf16f32");
    return;
  } else {
    if constexpr (std::is_same_v<T, float>) {
      if (const OneDnn* dnnl = onednn(); dnnl && fits) {
        OneThread one;
        check_onednn(dnnl->sgemm(a.row_major ? 'N' : 'T', b.row_major ? 'N' : 'T', a.rows, b.cols, a.cols, alpha,
                                 a.p, a.ld, b.p, b.ld, beta, c, ldc),
                     "dnnl_sgemm");
        return;
      }
    }
    if (const OpenBlas* blas = openblas(); blas && fits) {
      constexpr int kRowMajor = 101, kNoTrans = 111, kTrans = 112;  // CBLAS enum values
      const int ta = a.row_major ? kNoTrans : kTrans, tb = b.row_major ? kNoTrans : kTrans;
      const int M = int(a.rows), N = int(b.cols), K = int(a.cols);
      if constexpr (std::is_same_v<T, float>)
        blas->sgemm(kRowMajor, ta, tb, M, N, K, alpha, a.p, int(a.ld), b.p, int(b.ld), beta, c, int(ldc));
      else
        blas->dgemm(kRowMajor, ta, tb, M, N, K, alpha, a.p, int(a.ld), b.p, int(b.ld), beta, c, int(ldc));
      return;
    }
    constexpr int R = Eigen::RowMajor, C = Eigen::ColMajor;
    if (a.row_major && b.row_major) eigen_gemm<T, R, R>(a, b, c, ldc, alpha, beta);
    else if (a.row_major) eigen_gemm<T, R, C>(a, b, c, ldc, alpha, beta);
    else if (b.row_major) eigen_gemm<T, C, R>(a, b, c, ldc, alpha, beta);
    else eigen_gemm<T, C, C>(a, b, c, ldc, alpha, beta);
  }
}

template <class F>
void run_tasks(int64_t tasks, F&& f) {
  parallel_for(tasks, 1, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) f(t);
  });
}

// C (M x N, row stride ldc) = beta C + alpha A B, threaded over fixed panels.
template <class E, class T>
void gemm_2d(const Mat<E>& a, const Mat<E>& b, T* c, int64_t ldc, T alpha, T beta) {
  const int64_t M = a.rows, N = b.cols, K = a.cols;
  const int64_t work = M * N * K;
  if (work < kSerialWork) {
    gemm_call(a, b, c, ldc, alpha, beta);
    return;
  }
  const int64_t max_by_work = std::max<int64_t>(1, work / kPanelWork);
  const bool rows = M >= N;
  const int64_t len = rows ? M : N;
  // Every panel re-reads the operand the panels share (B for row panels, A for column panels); once that
  // outgrows the cache, panels must grow with it (a weight gradient g^T x over 4096 rows: 256 x 1024
  // output, 1-thread CPU time 33 -> 24 ms with 256-column panels instead of 64).
  const int64_t shared = rows ? K * N : M * K;
  const int64_t min_len = kPanel * std::max<int64_t>(1, shared / kSharedPerPanel);
  int64_t panels = std::min({kMaxPanels, max_by_work, std::max<int64_t>(1, len / min_len)});
  const int64_t k_chunks = std::min<int64_t>(16, K / kKChunk);
  if (panels < 4 && k_chunks >= 2) {
    // Small output, long inner dim (e.g. a weight gradient): partial products over fixed K chunks,
    // added in chunk order.
    const int64_t kc = (K + k_chunks - 1) / k_chunks;
    std::vector<T> part(static_cast<size_t>(k_chunks * M * N));
    run_tasks(k_chunks, [&](int64_t j) {
      const int64_t k0 = j * kc, k1 = std::min(K, k0 + kc);
      gemm_call(a.block(0, M, k0, k1 - k0), b.block(k0, k1 - k0, 0, N), part.data() + j * M * N, N, T(1), T(0));
    });
    parallel_for(M, std::max<int64_t>(1, kElementGrain / std::max<int64_t>(N * k_chunks, 1)), [&](int64_t i0, int64_t i1) {
      for (int64_t i = i0; i < i1; ++i)
        for (int64_t jn = 0; jn < N; ++jn) {
          T s = part[i * N + jn];
          for (int64_t j = 1; j < k_chunks; ++j) s += part[(j * M + i) * N + jn];
          T& out = c[i * ldc + jn];
          out = beta == T(0) ? alpha * s : beta * out + alpha * s;
        }
    });
    return;
  }
  const int64_t step = (len + panels - 1) / panels;
  const int64_t psize = (step + 7) / 8 * 8;  // whole register tiles
  panels = (len + psize - 1) / psize;
  // The kernels run up to 1.6x slower on a column-major (transposed) B with a long inner dim (x W^T for a
  // Linear layer's W (256, 1024): 4096-row panels, Zen 4, oneDNN); row panels all read B, so one row-major
  // copy of it (K·N values, against M·N·K multiply-adds) pays for itself.
  Tensor b_rows;  // from the caching allocator: a fresh std::vector of this size costs page faults per call
  Mat<E> bp = b;
  if (rows && !b.row_major && panels > 1 && M >= kCopyBRows) {
    b_rows = empty({K, N}, dtype_of<E>());
    constexpr int64_t kTile = 32;  // transposed in 32 x 32 tiles, which stay in L1
    E* out = b_rows.data<E>();
    const E* in = b.p;
    const int64_t ld = b.ld;
    const int64_t tiles = (N + kTile - 1) / kTile;
    parallel_for(tiles, std::max<int64_t>(1, kElementGrain / (K * kTile)), [&](int64_t t0, int64_t t1) {
      for (int64_t t = t0; t < t1; ++t)
        for (int64_t k0 = 0; k0 < K; k0 += kTile)
          for (int64_t j = t * kTile; j < std::min(N, (t + 1) * kTile); ++j)
            for (int64_t k = k0; k < std::min(K, k0 + kTile); ++k) out[k * N + j] = in[j * ld + k];
    });
    bp = Mat<E>{out, K, N, true, N};
  }
  run_tasks(panels, [&](int64_t p) {
    const int64_t s0 = p * psize, n = std::min(psize, len - s0);
    if (rows) gemm_call(a.block(s0, n, 0, K), bp, c + s0 * ldc, ldc, alpha, beta);
    else gemm_call(a, b.block(0, K, s0, n), c + s0, ldc, alpha, beta);
  });
}

template <class E, class T>
Tensor matmul_t(const Tensor& a, const Tensor& b, bool ta, bool tb) {
  const int64_t M = ta ? a.size(-1) : a.size(-2), K = ta ? a.size(-2) : a.size(-1);
  const int64_t N = tb ? b.size(-2) : b.size(-1);
  const Shape a_batch(a.shape().begin(), a.shape().end() - 2), b_batch(b.shape().begin(), b.shape().end() - 2);
  const Shape batch = broadcast_shapes(a_batch, b_batch);
  Shape out_shape = batch;
  out_shape.push_back(M);
  out_shape.push_back(N);
  Tensor out = empty(out_shape, dtype_of<T>());
  if (out.numel() == 0) return out;
  T* c = out.data<T>();
  const int64_t nbatch = shape_numel(batch);

  // Batch strides of each operand, broadcast (0 where an operand's batch dim is 1 or absent).
  auto batch_strides = [&](const Tensor& x) {
    Shape full = batch;
    full.push_back(x.size(-2));
    full.push_back(x.size(-1));
    Shape st = broadcast_strides(x, full);
    st.resize(batch.size());
    return st;
  };
  const Shape sa = batch_strides(a), sb = batch_strides(b);

  // b shared by every batch and a's (batch..., M) rows evenly spaced: one GEMM of (batch*M) rows.
  bool b_shared = true;
  for (int64_t s : sb) b_shared = b_shared && s == 0;
  if (b_shared && !ta) {
    int64_t n = 1, rs = 0;  // the rows of (batch..., M) as one run of n rows with stride rs
    bool run = true;
    for (int64_t d = static_cast<int64_t>(batch.size()); d >= 0 && run; --d) {
      const int64_t size = d == static_cast<int64_t>(batch.size()) ? M : batch[d];
      const int64_t stride = d == static_cast<int64_t>(batch.size()) ? a.stride(-2) : sa[d];
      if (size == 1) continue;
      if (n == 1) rs = stride;
      else run = stride == rs * n;
      n *= size;
    }
    Mat<E> A;
    if (run && layout(n, K, rs, a.stride(-1), A.row_major, A.ld)) {
      A.p = a.data<E>();
      A.rows = n;
      A.cols = K;
      gemm_2d(A, as_mat<E>(b, tb, 0), c, N, T(1), T(0));
      return out;
    }
  }

  auto offsets = [&](int64_t i, int64_t& oa, int64_t& ob) {
    oa = ob = 0;
    for (int64_t d = static_cast<int64_t>(batch.size()) - 1; d >= 0; --d) {
      int64_t k = i % batch[d];
      i /= batch[d];
      oa += k * sa[d];
      ob += k * sb[d];
    }
  };
  auto one = [&](int64_t i, bool whole) {
    int64_t oa, ob;
    offsets(i, oa, ob);
    Mat<E> A = as_mat<E>(a, ta, oa), B = as_mat<E>(b, tb, ob);
    if (whole) gemm_call(A, B, c + i * M * N, N, T(1), T(0));
    else gemm_2d(A, B, c + i * M * N, N, T(1), T(0));
  };
  if (M * N * K <= kBatchSmallWork) {
    // Many small products, one per task; tasks worth less than kSerialWork together share a call, so that a
    // tiny batch (one query against a KV cache, per head) pays for no parallel region.
    parallel_for(nbatch, std::max<int64_t>(1, kSerialWork / std::max<int64_t>(1, M * N * K)), [&](int64_t i0, int64_t i1) {
      for (int64_t i = i0; i < i1; ++i) one(i, true);
    });
  } else {
    for (int64_t i = 0; i < nbatch; ++i) one(i, false);
  }
  return out;
}

// n values `stride` apart rounded to bfloat16: their bits (E = bf16) or their float32 values (E = float).
template <class E>
void round_run(const uint32_t* src, E* dst, int64_t n, int64_t stride) {
  if constexpr (std::is_same_v<E, bf16>) {
    auto* out = reinterpret_cast<uint16_t*>(dst);
    for (int64_t i = 0; i < n; ++i) out[i * stride] = bf16_bits(src[i * stride]);
  } else {
    auto* out = reinterpret_cast<uint32_t*>(dst);
    for (int64_t i = 0; i < n; ++i) out[i * stride] = uint32_t{bf16_bits(src[i * stride])} << 16;
  }
}

// x rounded to bfloat16 (E = bf16), or to bfloat16's values kept as float (E = float, the path without
// oneDNN): a tensor of x's shape and strides over a new storage of the span x covers, so the GEMM reads it
// exactly as it would read x. A dense view is converted in one flat pass, a strided one (q, k or v cut from
// one qkv tensor) row by row, leaving its gaps unset (they are never read); one whose span is over 4x its
// size is made contiguous first.
template <class E>
Tensor rounded(const Tensor& x_in) {
  Tensor x = x_in;
  int64_t span = x.numel() > 0 ? 1 : 0;
  bool forward = true;
  for (int64_t d = 0; d < x.dim() && span > 0; ++d) {
    span += (x.size(d) - 1) * x.stride(d);
    forward = forward && x.stride(d) >= 0;
  }
  if (!forward || span > 4 * x.numel()) {
    x = x.contiguous();
    span = x.numel();
  }
  auto storage = std::make_shared<Storage>(static_cast<size_t>(std::max<int64_t>(span, 1)) * sizeof(E), Device::cpu());
  const auto* src = reinterpret_cast<const uint32_t*>(x.data<float>());  // float32 bits
  E* dst = static_cast<E*>(storage->data());
  if (span == x.numel()) {
    parallel_for(span, kElementGrain, [&](int64_t i0, int64_t i1) { round_run(src + i0, dst + i0, i1 - i0, 1); });
  } else {
    for_each_strided1(x.shape(), x.strides(), [&](int64_t o, int64_t n, int64_t stride) {
      round_run(src + o, dst + o, n, stride);
    });
  }
  return Tensor(storage, x.shape(), x.strides(), 0, dtype_of<E>());
}

// A bf16 product: bf16 operands (already rounded, gemm_operand) or float32 ones at bf16 precision
// (core/ops.h). Makes a and b what the kernel reads: bf16 tensors for oneDNN's bf16 GEMM, else float32
// holding bf16 values for the fp32 kernel. False for a plain fp32 or fp64 product.
bool bf16_product(Tensor& a, Tensor& b) {
  const bool rounded_already = a.dtype() == DType::bf16;
  if (!rounded_already && (a.dtype() != DType::f32 || matmul_precision() != MatmulPrecision::bf16)) return false;
  if (bf16_gemm_available()) {
    if (!rounded_already) a = rounded<bf16>(a), b = rounded<bf16>(b);
  } else if (rounded_already) {
    a = a.to(DType::f32), b = b.to(DType::f32);
  } else {
    a = rounded<float>(a), b = rounded<float>(b);
  }
  return true;
}

}  // namespace

bool bf16_gemm_available() { return onednn() && onednn()->bf16_gemm; }

Tensor to_bf16_strided(const Tensor& x) { return rounded<bf16>(x); }

void gemm_bf16_tile(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha, const bf16* a, int64_t lda,
                    const bf16* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  const Mat<bf16> A{a, m, k, !ta, lda}, B{b, k, n, !tb, ldb};
  gemm_call(A, B, c, ldc, alpha, beta);
}

Tensor matmul(const Tensor& a_in, const Tensor& b_in, bool ta, bool tb) {
  Tensor a = readable(a_in, ta) ? a_in : a_in.contiguous();
  Tensor b = readable(b_in, tb) ? b_in : b_in.contiguous();
  if (bf16_product(a, b)) {
    if (a.dtype() == DType::bf16) return matmul_t<bf16, float>(a, b, ta, tb);
    return matmul_t<float, float>(a, b, ta, tb);
  }
  return SF_DISPATCH_FLOAT(a.dtype(), "matmul", [&] { return matmul_t<scalar_t, scalar_t>(a, b, ta, tb); });
}

void gemm_(Tensor& out, const Tensor& a_in, const Tensor& b_in, bool ta, bool tb, double alpha, double beta) {
  Tensor a = readable(a_in, ta) ? a_in : a_in.contiguous();
  Tensor b = readable(b_in, tb) ? b_in : b_in.contiguous();
  if (out.numel() == 0) return;
  const int64_t ldc = out.size(0) > 1 ? out.stride(0) : out.size(1);  // rows may be strided (a column block)
  if (bf16_product(a, b)) {
    float* c = out.data<float>();
    if (a.dtype() == DType::bf16)
      gemm_2d(as_mat<bf16>(a, ta, 0), as_mat<bf16>(b, tb, 0), c, ldc, float(alpha), float(beta));
    else
      gemm_2d(as_mat<float>(a, ta, 0), as_mat<float>(b, tb, 0), c, ldc, float(alpha), float(beta));
    return;
  }
  SF_DISPATCH_FLOAT(a.dtype(), "gemm_", [&] {
    using T = scalar_t;
    gemm_2d(as_mat<T>(a, ta, 0), as_mat<T>(b, tb, 0), out.data<T>(), ldc, T(alpha), T(beta));
  });
}

}  // namespace sf::cpu

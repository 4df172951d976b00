// Matrix multiply on the GPU through cuBLAS SGEMM.
//
// cuBLAS is column-major; a row-major (R, C) matrix with row stride ld is, to cuBLAS, its transpose:
// a column-major (C, R) matrix with leading dimension ld. So the row-major C = op(A) op(B) is
// computed as the column-major C^T = op(B)^T op(A)^T: swap the operands, keep the flags.
#include <algorithm>
#include <climits>
#include <mutex>
#include <vector>

#include "core/cuda/cublas_api.h"
#include "core/cuda/cuda_backend.h"
#include "core/cuda/cuda_check.h"

namespace sf::cuda {
namespace {

// One cuBLAS handle per device, created on first use and kept for the life of the process
// (creating one costs milliseconds; destroying at exit races the runtime's own teardown).
cublasHandle_t blas_handle(int device) {
  static std::mutex mutex;
  static std::vector<cublasHandle_t> handles;
  std::lock_guard<std::mutex> lock(mutex);
  if (handles.empty()) handles.resize(static_cast<size_t>(device_count()), nullptr);
  SF_CHECK(device >= 0 && device < static_cast<int>(handles.size()), "cuda: no device cuda:", device);
  cublasHandle_t& h = handles[static_cast<size_t>(device)];
  if (h == nullptr) SF_CUBLAS_CHECK(cublas().create(&h));  // on the current device (the caller's guard)
  return h;
}

// A 2-D operand as cuBLAS sees it: a pointer, whether to transpose, the leading dimension.
struct GemmOperand {
  const float* data;
  cublasOperation_t op;
  int ld;
};

int to_int(int64_t v, const char* what) {
  SF_CHECK(v <= INT_MAX, "cuda matmul: ", what, " ", v, " exceeds cuBLAS's int range");
  return static_cast<int>(v);
}

// Rows contiguous (stride(1) == 1): the row-major matrix itself. Columns contiguous
// (stride(0) == 1, e.g. a transposed view): the transpose of a row-major matrix, so the flag flips.
GemmOperand describe(const Tensor& t, bool trans, const char* name) {
  const int64_t rows = t.size(0), cols = t.size(1);
  // With a single row (column) the leading dimension is never stepped, but cuBLAS still checks it.
  if (t.stride(1) == 1 || cols == 1) {
    int64_t ld = rows == 1 ? std::max<int64_t>(cols, 1) : t.stride(0);
    SF_CHECK(ld >= cols, "cuda matmul: ", name, " rows overlap (strides ", shape_str(t.strides()), ")");
    return {t.device_data<float>(), trans ? CUBLAS_OP_T : CUBLAS_OP_N, to_int(ld, "leading dimension")};
  }
  if (t.stride(0) == 1 || rows == 1) {
    int64_t ld = cols == 1 ? std::max<int64_t>(rows, 1) : t.stride(1);
    SF_CHECK(ld >= rows, "cuda matmul: ", name, " columns overlap (strides ", shape_str(t.strides()), ")");
    return {t.device_data<float>(), trans ? CUBLAS_OP_N : CUBLAS_OP_T, to_int(ld, "leading dimension")};
  }
  throw Error(detail::cat("cuda matmul: ", name, " with strides ", shape_str(t.strides()),
                          " has no unit stride; make it contiguous first"));
}

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b, bool trans_a, bool trans_b) {
  for (const Tensor* t : {&a, &b}) {
    SF_CHECK(t->device().is_cuda(), "cuda matmul: operand is on ", t->device().str());
    SF_CHECK(t->dtype() == DType::f32, "cuda matmul: float32 only, got ", dtype_name(t->dtype()));
    SF_CHECK(t->dim() == 2, "cuda matmul: 2-D operands only, got ", shape_str(t->shape()));
  }
  SF_CHECK(a.device() == b.device(), "cuda matmul: operands on ", a.device().str(), " and ",
           b.device().str());
  const int64_t m = trans_a ? a.size(1) : a.size(0), k = trans_a ? a.size(0) : a.size(1);
  const int64_t kb = trans_b ? b.size(1) : b.size(0), n = trans_b ? b.size(0) : b.size(1);
  SF_CHECK(k == kb, "cuda matmul: inner dimensions differ: ", shape_str(a.shape()),
           trans_a ? "^T" : "", " @ ", shape_str(b.shape()), trans_b ? "^T" : "");

  const int device = a.device().index;
  Tensor c = empty({m, n}, DType::f32, a.device());
  if (m == 0 || n == 0) return c;
  DeviceGuard guard(device);
  if (k == 0) {  // an empty sum: cuBLAS may leave C untouched
    SF_CUDA_CHECK(cudaMemset(c.device_data<float>(), 0, c.nbytes()));
    return c;
  }
  const GemmOperand ga = describe(a, trans_a, "a"), gb = describe(b, trans_b, "b");
  const float alpha = 1.0f, beta = 0.0f;
  SF_CUBLAS_CHECK(cublas().sgemm(blas_handle(device), gb.op, ga.op, to_int(n, "n"), to_int(m, "m"),
                              to_int(k, "k"), &alpha, gb.data, gb.ld, ga.data, ga.ld, &beta,
                              c.device_data<float>(), to_int(n, "n")));
  return c;
}

}  // namespace sf::cuda

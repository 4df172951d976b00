// Dispatch for matmul / gemm_ of core/ops.h (CPU kernels in core/cpu/gemm.*, CUDA through cuBLAS).
#include <atomic>

#include "core/cpu/gemm.h"
#include "core/ops.h"
#include "core/ops_common.h"
#ifdef SF_WITH_CUDA
#include "core/cuda/cuda_backend.h"
#endif

namespace sf {

using namespace ops_detail;

namespace {

std::atomic<MatmulPrecision> g_matmul_precision{MatmulPrecision::fp32};

std::string operand_str(const Tensor& t, bool trans) {
  return shape_str(t.shape()) + (trans ? "^T" : "");
}

// Checks op(a) @ op(b) and returns the inner dims' sizes agreeing.
void check_matmul(const char* op, const Tensor& a, const Tensor& b, bool ta, bool tb) {
  check_defined(op, a);
  check_defined(op, b);
  if (a.dtype() != DType::bf16) check_floating(op, a);
  check_same_dtype(op, a, b);
  SF_CHECK(a.dim() >= 2 && b.dim() >= 2, op, ": operands need rank >= 2, got ", shape_str(a.shape()), " and ",
           shape_str(b.shape()));
  const int64_t ka = ta ? a.size(-2) : a.size(-1), kb = tb ? b.size(-1) : b.size(-2);
  SF_CHECK(ka == kb, op, ": inner dimensions differ, ", operand_str(a, ta), " @ ", operand_str(b, tb), " (", ka,
           " vs ", kb, ")");
  const Shape ba(a.shape().begin(), a.shape().end() - 2), bb(b.shape().begin(), b.shape().end() - 2);
  SF_CHECK(broadcastable(ba, bb), op, ": batch dims of ", shape_str(a.shape()), " and ", shape_str(b.shape()),
           " do not broadcast");
}

}  // namespace

void set_matmul_precision(MatmulPrecision p) { g_matmul_precision = p; }
MatmulPrecision matmul_precision() { return g_matmul_precision; }

Tensor gemm_operand(const Tensor& x) {
  if (g_matmul_precision != MatmulPrecision::bf16 || x.dtype() != DType::f32 || !x.device().is_cpu() ||
      !cpu::bf16_gemm_available())
    return x;
  return round_to_bf16(x);
}

Tensor round_to_bf16(const Tensor& x) {
  check_defined("round_to_bf16", x);
  SF_CHECK(x.dtype() == DType::f32, "round_to_bf16: needs float32, got ", dtype_name(x.dtype()));
  require_cpu("round_to_bf16", {&x});
  return cpu::to_bf16_strided(x);
}

Tensor matmul(const Tensor& a, const Tensor& b, bool trans_a, bool trans_b) {
  check_matmul("matmul", a, b, trans_a, trans_b);
  if (all_cuda("matmul", {&a, &b})) {
#ifdef SF_WITH_CUDA
    SF_CHECK(a.dim() == 2 && b.dim() == 2 && a.dtype() == DType::f32, "matmul: the CUDA kernel takes 2-D float32 "
             "operands, got ", shape_str(a.shape()), " and ", shape_str(b.shape()), " of ", dtype_name(a.dtype()));
    return cuda::matmul(a, b, trans_a, trans_b);
#endif
  }
  require_cpu("matmul", {&a, &b});
  return cpu::matmul(a, b, trans_a, trans_b);
}

void gemm_(Tensor& out, const Tensor& a, const Tensor& b, bool trans_a, bool trans_b, double alpha, double beta) {
  check_matmul("gemm_", a, b, trans_a, trans_b);
  check_defined("gemm_", out);
  SF_CHECK(out.dtype() == (a.dtype() == DType::bf16 ? DType::f32 : a.dtype()), "gemm_: out is ", dtype_name(out.dtype()),
           " for ", dtype_name(a.dtype()), " operands");
  SF_CHECK(a.dim() == 2 && b.dim() == 2, "gemm_: operands must be 2-D, got ", shape_str(a.shape()), " and ",
           shape_str(b.shape()));
  const int64_t m = trans_a ? a.size(1) : a.size(0), n = trans_b ? b.size(0) : b.size(1);
  SF_CHECK(out.shape() == Shape({m, n}), "gemm_: out ", shape_str(out.shape()), " should be ", shape_str({m, n}),
           " for ", operand_str(a, trans_a), " @ ", operand_str(b, trans_b));
  SF_CHECK((out.size(1) <= 1 || out.stride(1) == 1) && (out.size(0) <= 1 || out.stride(0) >= out.size(1)),
           "gemm_: out's rows must be contiguous");
  require_cpu("gemm_", {&out, &a, &b});
  cpu::gemm_(out, a, b, trans_a, trans_b, alpha, beta);
}

}  // namespace sf

// Dispatch for the checks of core/ops.h: all_finite (core/cpu/check.*) and the diffs used by tests
// and parity, composed from element-wise ops and amax in float64.
#include <cmath>

#include "core/cpu/check.h"
#include "core/ops.h"
#include "core/ops_common.h"

namespace sf {

using namespace ops_detail;

bool all_finite(const Tensor& x) {
  check_defined("all_finite", x);
  require_cpu("all_finite", {&x});
  if (!is_floating(x.dtype())) return true;
  return cpu::all_finite(x.dtype() == DType::bf16 ? x.to(DType::f32) : x);
}

namespace {

// |a - b| in float64 after checking the shapes agree exactly (broadcasting would hide test bugs).
Tensor abs_diff(const char* op, const Tensor& a, const Tensor& b) {
  check_defined(op, a);
  check_defined(op, b);
  require_cpu(op, {&a, &b});
  SF_CHECK(a.shape() == b.shape(), op, ": shapes ", shape_str(a.shape()), " and ", shape_str(b.shape()), " differ");
  return unary(UnaryOp::abs, sub(a.to(DType::f64), b.to(DType::f64)));
}

double max_of(const Tensor& t) { return t.numel() == 0 ? 0.0 : amax(t).item<double>(); }

}  // namespace

double max_abs_diff(const Tensor& a, const Tensor& b) { return max_of(abs_diff("max_abs_diff", a, b)); }

double max_rel_diff(const Tensor& a, const Tensor& b, double floor) {
  Tensor d = abs_diff("max_rel_diff", a, b);
  Tensor denom = unary(UnaryOp::abs, b.to(DType::f64)) + floor;
  return max_of(d / denom);
}

}  // namespace sf

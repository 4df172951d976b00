#include "core/ops_common.h"

#include <algorithm>

namespace sf::ops_detail {

void require_cpu(const char* op, std::initializer_list<const Tensor*> ts) {
  for (const Tensor* t : ts)
    SF_CHECK(!t->defined() || t->device().is_cpu(), op, ": no CUDA kernel yet; move the tensor to cpu (got a tensor on ",
             t->device().str(), ")");
}

bool all_cuda(const char* op, std::initializer_list<const Tensor*> ts) {
  const Tensor* first = *ts.begin();
  for (const Tensor* t : ts)
    SF_CHECK(t->device() == first->device(), op, ": tensors on different devices (", first->device().str(), " and ",
             t->device().str(), ")");
  return first->device().is_cuda();
}

void check_defined(const char* op, const Tensor& t) { SF_CHECK(t.defined(), op, ": undefined tensor"); }

void check_same_dtype(const char* op, const Tensor& a, const Tensor& b) {
  SF_CHECK(a.dtype() == b.dtype(), op, ": dtype mismatch, ", dtype_name(a.dtype()), " and ", dtype_name(b.dtype()));
}

void check_floating(const char* op, const Tensor& t) {
  SF_CHECK(t.dtype() == DType::f32 || t.dtype() == DType::f64, op, ": needs float32 or float64, got ",
           dtype_name(t.dtype()));
}

void check_arith(const char* op, const Tensor& t) {
  SF_CHECK(t.dtype() != DType::bf16, op, ": bfloat16 is a storage type; convert to float32 first");
}

void check_index(const char* op, const Tensor& t) {
  SF_CHECK(t.dtype() == DType::i32 || t.dtype() == DType::i64, op, ": indices must be int32 or int64, got ",
           dtype_name(t.dtype()));
}

bool broadcastable(const Shape& a, const Shape& b) {
  for (size_t i = 1; i <= std::min(a.size(), b.size()); ++i) {
    int64_t x = a[a.size() - i], y = b[b.size() - i];
    if (x != y && x != 1 && y != 1) return false;
  }
  return true;
}

std::vector<bool> reduced_dims(const char* op, const Shape& dims, int64_t ndim) {
  std::vector<bool> mask(static_cast<size_t>(ndim), dims.empty());
  for (int64_t d : dims) {
    SF_CHECK(d >= -ndim && d < std::max<int64_t>(ndim, 1), op, ": dimension ", d, " out of range for a tensor of rank ",
             ndim);
    if (ndim == 0) continue;  // a 0-dim tensor reduces over dim 0 / -1 as a no-op, like numpy
    int64_t w = d < 0 ? d + ndim : d;
    SF_CHECK(!mask[w], op, ": dimension ", d, " listed twice in ", shape_str(dims));
    mask[w] = true;
  }
  return mask;
}

}  // namespace sf::ops_detail

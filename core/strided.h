// Iteration over strided tensors: the outer dims are walked row by row (rows split across threads),
// the innermost dim is handed to the callback as (offset, count, stride) so its loop can vectorise.
#pragma once
#include <cstdint>

#include "core/parallel.h"
#include "core/shape.h"

namespace sf {

// f(offset, n, stride) for each innermost row of one strided operand.
template <class F>
void for_each_strided1(const Shape& shape, const Shape& st, F&& f) {
  if (shape_numel(shape) == 0) return;
  if (shape.empty()) return f(int64_t{0}, int64_t{1}, int64_t{1});
  const int64_t nd = static_cast<int64_t>(shape.size());
  const int64_t inner = shape[nd - 1];
  const int64_t rows = shape_numel(shape) / inner;
  parallel_for(rows, std::max<int64_t>(1, 32768 / std::max<int64_t>(inner, 1)), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      int64_t rem = r, o = 0;
      for (int64_t d = nd - 2; d >= 0; --d) {
        o += (rem % shape[d]) * st[d];
        rem /= shape[d];
      }
      f(o, inner, st[nd - 1]);
    }
  });
}

// f(offset_a, offset_b, n, stride_a, stride_b) for each innermost row of two operands of one shape.
template <class F>
void for_each_strided2(const Shape& shape, const Shape& sa, const Shape& sb, F&& f) {
  if (shape_numel(shape) == 0) return;
  if (shape.empty()) return f(int64_t{0}, int64_t{0}, int64_t{1}, int64_t{1}, int64_t{1});
  const int64_t nd = static_cast<int64_t>(shape.size());
  const int64_t inner = shape[nd - 1];
  const int64_t rows = shape_numel(shape) / inner;
  parallel_for(rows, std::max<int64_t>(1, 32768 / std::max<int64_t>(inner, 1)), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      int64_t rem = r, oa = 0, ob = 0;
      for (int64_t d = nd - 2; d >= 0; --d) {
        int64_t i = rem % shape[d];
        rem /= shape[d];
        oa += i * sa[d];
        ob += i * sb[d];
      }
      f(oa, ob, inner, sa[nd - 1], sb[nd - 1]);
    }
  });
}

}  // namespace sf

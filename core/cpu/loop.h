// Element loops for the CPU kernels: N operands of one (broadcast) shape, any strides.
//
// StridedLoop coalesces the shape first (drops size-1 dims, merges dims that are contiguous for every
// operand), so a contiguous or simply-broadcast operand set becomes a single flat run. The outer dims
// are walked by index math, rows split across threads; the innermost run is handed to the callback as
// (offsets, n, strides) so its loop can vectorise.
#pragma once
#include <array>
#include <cstdint>

#include "core/parallel.h"
#include "core/tensor.h"

namespace sf::cpu {

// Elements per parallel chunk of an element-wise loop: below this, threads cost more than they save.
constexpr int64_t kElementGrain = 32768;

// The strides of t read as a tensor of `shape` (numpy broadcasting: 0 on broadcast and new leading dims).
inline Shape broadcast_strides(const Tensor& t, const Shape& shape) {
  Shape st(shape.size(), 0);
  size_t lead = shape.size() - t.shape().size();
  for (size_t i = 0; i < t.shape().size(); ++i)
    if (t.shape()[i] != 1) st[lead + i] = t.strides()[i];
  return st;
}

template <size_t N>
class StridedLoop {
 public:
  using Offsets = std::array<int64_t, N>;

  // strides[k] are operand k's strides for `shape` (already broadcast, same rank as shape).
  StridedLoop(const Shape& shape, const std::array<Shape, N>& strides) {
    for (size_t d = 0; d < shape.size(); ++d) {
      if (shape[d] == 1) continue;
      bool merge = !shape_.empty();
      for (size_t k = 0; k < N && merge; ++k) merge = strides_[k].back() == strides[k][d] * shape[d];
      if (merge) {
        shape_.back() *= shape[d];
        for (size_t k = 0; k < N; ++k) strides_[k].back() = strides[k][d];
      } else {
        shape_.push_back(shape[d]);
        for (size_t k = 0; k < N; ++k) strides_[k].push_back(strides[k][d]);
      }
    }
    numel_ = shape_numel(shape);
    if (shape_.empty()) {  // a single element
      shape_.push_back(1);
      for (size_t k = 0; k < N; ++k) strides_[k].push_back(0);
    }
    for (size_t k = 0; k < N; ++k) inner_stride_[k] = strides_[k].back();
  }

  int64_t numel() const { return numel_; }
  int64_t inner() const { return shape_.back(); }
  int64_t rows() const { return numel_ == 0 ? 0 : numel_ / inner(); }
  const Offsets& inner_strides() const { return inner_stride_; }
  bool is_flat() const { return shape_.size() == 1; }  // one run covers everything

  // f(offsets, n, inner_strides) for every inner run; rows split across threads.
  template <class F>
  void run(F&& f) const {
    if (numel_ == 0) return;
    const int64_t in = inner();
    if (is_flat()) {  // split the one run itself
      parallel_for(in, kElementGrain, [&](int64_t b, int64_t e) {
        Offsets o;
        for (size_t k = 0; k < N; ++k) o[k] = b * inner_stride_[k];
        f(o, e - b, inner_stride_);
      });
      return;
    }
    parallel_for(rows(), std::max<int64_t>(1, kElementGrain / in), [&](int64_t r0, int64_t r1) {
      run_rows(r0, r1, f);
    });
  }

  // Serially over rows [r0, r1).
  template <class F>
  void run_rows(int64_t r0, int64_t r1, F&& f) const {
    const int64_t nd = static_cast<int64_t>(shape_.size());
    Shape idx(nd, 0);
    int64_t rem = r0;
    for (int64_t d = nd - 2; d >= 0; --d) {
      idx[d] = rem % shape_[d];
      rem /= shape_[d];
    }
    Offsets o{};
    for (size_t k = 0; k < N; ++k)
      for (int64_t d = 0; d < nd - 1; ++d) o[k] += idx[d] * strides_[k][d];
    for (int64_t r = r0; r < r1; ++r) {
      f(o, inner(), inner_stride_);
      for (int64_t d = nd - 2; d >= 0; --d) {  // odometer step
        for (size_t k = 0; k < N; ++k) o[k] += strides_[k][d];
        if (++idx[d] < shape_[d]) break;
        for (size_t k = 0; k < N; ++k) o[k] -= shape_[d] * strides_[k][d];
        idx[d] = 0;
      }
    }
  }

 private:
  Shape shape_;
  std::array<Shape, N> strides_;
  Offsets inner_stride_{};
  int64_t numel_ = 0;
};

// Splits a tensor at one dim into (outer, n, inner): the layout every "along one dim" kernel uses on a
// contiguous tensor (softmax, cumsum, argmax, flip, index_select).
struct DimSplit {
  int64_t outer = 1, n = 1, inner = 1;
};
inline DimSplit split_at(const Shape& shape, int64_t dim) {
  DimSplit s;
  for (int64_t d = 0; d < static_cast<int64_t>(shape.size()); ++d) {
    if (d < dim) s.outer *= shape[d];
    else if (d == dim) s.n = shape[d];
    else s.inner *= shape[d];
  }
  return s;
}

}  // namespace sf::cpu

#include "core/cpu/index.h"

#include <cstring>
#include <string>
#include <vector>

#include "core/cpu/loop.h"

namespace sf::cpu {
namespace {

// Runs f.template operator()<I>() with I the index type.
template <class F>
decltype(auto) with_index(const Tensor& index, F&& f) {
  if (index.dtype() == DType::i32) return f.template operator()<int32_t>();
  return f.template operator()<int64_t>();
}

// Runs f.template operator()<E>() with E an unsigned type of the element's size (raw copies).
template <class F>
decltype(auto) with_elem(DType t, F&& f) {
  switch (dtype_size(t)) {
    case 2: return f.template operator()<uint16_t>();
    case 4: return f.template operator()<uint32_t>();
    default: return f.template operator()<uint64_t>();
  }
}

// Throws unless every index lies in [0, limit); `what` names the bound ("rows", "classes", ...).
template <class I>
void check_range(const char* op, const Tensor& index, int64_t limit, const std::string& what) {
  const I* p = index.data<I>();
  StridedLoop<1> loop(index.shape(), {index.strides()});
  loop.run_rows(0, loop.rows(), [&](const std::array<int64_t, 1>& o, int64_t n, const std::array<int64_t, 1>& s) {
    for (int64_t i = 0; i < n; ++i) {
      int64_t v = p[o[0] + i * s[0]];
      SF_CHECK(v >= 0 && v < limit, op, ": index ", v, " out of range for ", limit, " ", what);
    }
  });
}

template <class T>
void add_row(T* dst, const T* src, int64_t n) {
#pragma omp simd
  for (int64_t c = 0; c < n; ++c) dst[c] += src[c];
}

std::string dim_what(int64_t dim) { return "entries of dimension " + std::to_string(dim); }

}  // namespace

Tensor index_select(const char* op, const Tensor& x_in, int64_t dim, const Tensor& index_in) {
  Tensor x = x_in.contiguous(), index = index_in.contiguous();
  const DimSplit s = split_at(x.shape(), dim);
  const int64_t n = index.numel();
  Shape out_shape = x.shape();
  out_shape[dim] = n;
  Tensor out = empty(out_shape, x.dtype());
  with_index(index, [&]<class I>() {
    check_range<I>(op, index, s.n, dim == 0 && x.dim() == 2 ? std::string("rows") : dim_what(dim));
    const I* idx = index.data<I>();
    with_elem(x.dtype(), [&]<class E>() {
      const E* src = static_cast<const E*>(x.raw_data());
      E* dst = static_cast<E*>(out.raw_data());
      parallel_for(s.outer * n, std::max<int64_t>(1, kElementGrain / std::max<int64_t>(s.inner, 1)),
                   [&](int64_t t0, int64_t t1) {
                     for (int64_t t = t0; t < t1; ++t) {
                       const int64_t o = t / n, j = t % n;
                       std::memcpy(dst + t * s.inner, src + (o * s.n + idx[j]) * s.inner, s.inner * sizeof(E));
                     }
                   });
    });
  });
  return out;
}

Tensor index_add(const Shape& shape, const Tensor& index_in, const Tensor& src_in) {
  Tensor index = index_in.contiguous(), src = src_in.contiguous();
  Tensor out = zeros(shape, src.dtype());
  const int64_t rows = shape[0], n = index.numel();
  const int64_t width = rows == 0 ? 0 : shape_numel(shape) / rows;
  // Sources grouped by target row, in index order (a counting sort).
  std::vector<int64_t> start(static_cast<size_t>(rows + 1), 0), order(static_cast<size_t>(n));
  with_index(index, [&]<class I>() {
    check_range<I>("index_add", index, rows, "rows");
    const I* idx = index.data<I>();
    for (int64_t j = 0; j < n; ++j) ++start[idx[j] + 1];
    for (int64_t r = 0; r < rows; ++r) start[r + 1] += start[r];
    std::vector<int64_t> fill(start.begin(), start.end() - 1);
    for (int64_t j = 0; j < n; ++j) order[fill[idx[j]]++] = j;
  });
  SF_DISPATCH_ARITH(src.dtype(), "index_add", [&] {
    const scalar_t* sp = src.data<scalar_t>();
    scalar_t* op = out.data<scalar_t>();
    parallel_for(rows, std::max<int64_t>(1, kElementGrain / std::max<int64_t>(width * (n / std::max<int64_t>(rows, 1) + 1), 1)),
                 [&](int64_t r0, int64_t r1) {
                   for (int64_t r = r0; r < r1; ++r) {
                     scalar_t* dst = op + r * width;
                     for (int64_t k = start[r]; k < start[r + 1]; ++k) add_row(dst, sp + order[k] * width, width);
                   }
                 });
  });
  return out;
}

Tensor gather(const Tensor& x, int64_t dim, const Tensor& index) {
  // x narrowed to the index's extent on the other dims; x's stride along dim is applied per index value.
  Tensor xv = x;
  for (int64_t d = 0; d < x.dim(); ++d)
    if (d != dim) xv = xv.narrow(d, 0, index.size(d));
  Shape xbase = xv.strides();
  const int64_t xs = xbase[dim];
  xbase[dim] = 0;
  Tensor out = empty(index.shape(), x.dtype());
  with_index(index, [&]<class I>() {
    check_range<I>("gather", index, x.size(dim), dim_what(dim));
    const I* idx = index.data<I>();
    with_elem(x.dtype(), [&]<class E>() {
      const E* src = static_cast<const E*>(xv.raw_data());
      E* dst = static_cast<E*>(out.raw_data());
      StridedLoop<3> loop(index.shape(), {out.strides(), index.strides(), xbase});
      loop.run([&](const std::array<int64_t, 3>& o, int64_t n, const std::array<int64_t, 3>& st) {
        for (int64_t i = 0; i < n; ++i)
          dst[o[0] + i * st[0]] = src[o[2] + i * st[2] + static_cast<int64_t>(idx[o[1] + i * st[1]]) * xs];
      });
    });
  });
  return out;
}

Tensor scatter_add(const Shape& shape, int64_t dim, const Tensor& index, const Tensor& src) {
  Tensor out = zeros(shape, src.dtype());
  // One task per fiber along dim (all other coordinates fixed): fibers write disjoint outputs.
  Shape fiber = index.shape();
  const int64_t len = fiber[dim];
  fiber[dim] = 1;
  const int64_t os = out.stride(dim), is = index.stride(dim), ss = src.stride(dim);
  with_index(index, [&]<class I>() {
    check_range<I>("scatter_add", index, shape[dim], dim_what(dim));
    const I* idx = index.data<I>();
    SF_DISPATCH_ARITH(src.dtype(), "scatter_add", [&] {
      const scalar_t* sp = src.data<scalar_t>();
      scalar_t* op = out.data<scalar_t>();
      StridedLoop<3> loop(fiber, {out.strides(), index.strides(), src.strides()});
      loop.run([&](const std::array<int64_t, 3>& o, int64_t n, const std::array<int64_t, 3>& st) {
        for (int64_t i = 0; i < n; ++i) {
          scalar_t* d = op + o[0] + i * st[0];
          const I* ip = idx + o[1] + i * st[1];
          const scalar_t* s = sp + o[2] + i * st[2];
          for (int64_t k = 0; k < len; ++k) d[static_cast<int64_t>(ip[k * is]) * os] += s[k * ss];
        }
      });
    });
  });
  return out;
}

Tensor one_hot(const Tensor& index_in, int64_t num_classes, DType dtype) {
  Tensor index = index_in.contiguous();
  Shape shape = index.shape();
  shape.push_back(num_classes);
  Tensor out = zeros(shape, dtype);
  with_index(index, [&]<class I>() {
    check_range<I>("one_hot", index, num_classes, "classes");
    const I* idx = index.data<I>();
    SF_DISPATCH_ARITH(dtype, "one_hot", [&] {
      scalar_t* o = out.data<scalar_t>();
      const int64_t n = index.numel();
      parallel_for(n, kElementGrain, [&](int64_t i0, int64_t i1) {
        for (int64_t i = i0; i < i1; ++i) o[i * num_classes + idx[i]] = scalar_t(1);
      });
    });
  });
  return out;
}

}  // namespace sf::cpu

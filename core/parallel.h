// Threading over the machine's cores (OpenMP). Work split into fixed-size chunks so that results
// never depend on the thread count.
#pragma once
#include <algorithm>
#include <cstdint>

#include <omp.h>

namespace sf {

void set_num_threads(int n);  // also sets Eigen's GEMM threads
int num_threads();

// Calls f(begin, end) on chunks of [0, n); runs serially when n < grain or inside a parallel region.
template <class F>
void parallel_for(int64_t n, int64_t grain, F&& f) {
  if (n <= 0) return;
  if (n <= grain || omp_in_parallel() || omp_get_max_threads() == 1) {
    f(int64_t{0}, n);
    return;
  }
  int64_t chunks = std::min<int64_t>((n + grain - 1) / grain, int64_t{omp_get_max_threads()} * 4);
  int64_t step = (n + chunks - 1) / chunks;
#pragma omp parallel for schedule(static)
  for (int64_t c = 0; c < chunks; ++c) {
    int64_t b = c * step, e = std::min(n, b + step);
    if (b < e) f(b, e);
  }
}

}  // namespace sf

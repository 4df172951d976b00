#include "core/cpu/check.h"

#include <atomic>

#include "core/cpu/loop.h"

namespace sf::cpu {
namespace {

template <class T>
bool run_finite(const T* q, int64_t n, int64_t stride) {
  int nonfinite = 0;
  if (stride == 1) {
#pragma omp simd reduction(| : nonfinite)
    for (int64_t i = 0; i < n; ++i) nonfinite |= !(q[i] - q[i] == 0);  // inf - inf and NaN are NaN
  } else {
    for (int64_t i = 0; i < n; ++i) nonfinite |= !(q[i * stride] - q[i * stride] == 0);
  }
  return !nonfinite;
}

}  // namespace

bool all_finite(const Tensor& x) {
  std::atomic<bool> bad{false};
  SF_DISPATCH_FLOAT(x.dtype(), "all_finite", [&] {
    const scalar_t* p = x.data<scalar_t>();
    StridedLoop<1> loop(x.shape(), {x.strides()});
    loop.run([&](const std::array<int64_t, 1>& o, int64_t n, const std::array<int64_t, 1>& s) {
      if (!run_finite(p + o[0], n, s[0])) bad.store(true, std::memory_order_relaxed);
    });
  });
  return !bad.load();
}

}  // namespace sf::cpu

#include <gtest/gtest.h>
#include <chrono>
#include "autograd/functions.h"
#include "layers/titans/neural_memory.h"
#include "tests/random.h"
namespace sf {
TEST(TmpTiming, DualForm) {
  const int64_t N = 4, L = 2048, d = 64, h = 256;
  for (bool recompute : {true}) for (int64_t chunk : {16}) {
    std::vector<Variable> x{Variable(test::randn({N, L, d}, 1, DType::f32), true), Variable(test::randn({N, L, d}, 2, DType::f32), true),
                            Variable(test::randn({N, L, d}, 3, DType::f32), true)};
    Variable zt(test::randn({N, L}, 4, DType::f32), true), ze(test::randn({N, L}, 5, DType::f32), true), za(test::randn({N, L}, 6, DType::f32), true);
    MemoryState s; s.weights = {Variable(test::randn({N, d, h}, 7, DType::f32) * 0.1, true), Variable(test::randn({N, h, d}, 8, DType::f32) * 0.1, true)};
    MemoryRule r; r.chunk = chunk; r.grad_scale = 2.0 / d;
    for (int rep = 0; rep < 2; ++rep) {
      auto t0 = std::chrono::steady_clock::now();
      MemoryGates g{sigmoid(zt) * 0.1, -softplus(za), -softplus(-ze)};
      MemoryResult m = memory_dual_form(x[0], x[1], x[2], g, s, r);
      auto t1 = std::chrono::steady_clock::now();
      sum(m.y).backward();
      auto t2 = std::chrono::steady_clock::now();
      if (rep) printf("recompute %d chunk %ld: fwd %.1f ms bwd %.1f ms -> %.0f tok/s\n", recompute, chunk,
             std::chrono::duration<double, std::milli>(t1 - t0).count(), std::chrono::duration<double, std::milli>(t2 - t1).count(),
             L / std::chrono::duration<double>(t2 - t0).count());
    }
  }
}
}

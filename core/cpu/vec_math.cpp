#include "core/cpu/vec_math.h"

#define EIGEN_DONT_PARALLELIZE
#include <Eigen/Core>
#include <unsupported/Eigen/SpecialFunctions>

#include "core/cpu/loop.h"
#include "core/parallel.h"

namespace sf::cpu {
namespace {

using Arr = Eigen::Array<float, Eigen::Dynamic, 1>;
using CMap = Eigen::Map<const Arr>;
using Map = Eigen::Map<Arr>;

constexpr float kInvSqrt2 = 0.70710678118654752440f, kInvSqrt2Pi = 0.39894228040143267794f;
constexpr float kTanhK = 0.79788456080286535588f, kTanhC = 0.044715f;

template <class F>
void chunks(int64_t n, F&& f) {
  parallel_for(n, kElementGrain, [&](int64_t b, int64_t e) { f(b, e - b); });
}

}  // namespace

void gelu_f32(const float* x, float* y, int64_t n, bool tanh_approx) {
  chunks(n, [&](int64_t b, int64_t m) {
    CMap a(x + b, m);
    if (tanh_approx) Map(y + b, m) = 0.5f * a * (1.0f + (kTanhK * (a + kTanhC * a.cube())).tanh());
    else Map(y + b, m) = 0.5f * a * (1.0f + (a * kInvSqrt2).erf());
  });
}

void gelu_backward_f32(const float* g, const float* x, float* dx, int64_t n, bool tanh_approx) {
  chunks(n, [&](int64_t b, int64_t m) {
    CMap a(x + b, m), gr(g + b, m);
    if (tanh_approx) {
      const auto th = (kTanhK * (a + kTanhC * a.cube())).tanh();
      Map(dx + b, m) = gr * (0.5f * (1.0f + th) +
                             0.5f * a * (1.0f - th.square()) * kTanhK * (1.0f + 3.0f * kTanhC * a.square()));
    } else {
      Map(dx + b, m) = gr * (0.5f * (1.0f + (a * kInvSqrt2).erf()) + a * kInvSqrt2Pi * (-0.5f * a.square()).exp());
    }
  });
}

}  // namespace sf::cpu

#include "optim/lamb.h"

#include <algorithm>
#include <cmath>

#include "optim/multi_tensor.h"

namespace sf {
namespace {

struct LambJob {
  void* param;
  const void* grad;
  void* exp_avg;
  void* exp_avg_sq;
  DType dtype;
  double weight_decay;
  double lr;
  double trust = 1.0;  // filled between the passes
};

struct LambScalars {
  double beta1, beta2, eps, bias_correction1, bias_correction2;
};

// The update direction u of one element from its (already updated) moments.
template <class T>
T lamb_direction(T m, T v, T p, T wd, const LambScalars& s) {
  return (m / static_cast<T>(s.bias_correction1)) / (std::sqrt(v / static_cast<T>(s.bias_correction2)) +
                                                      static_cast<T>(s.eps)) + wd * p;
}

template <class T>
void moments_kernel(const LambJob& job, const LambScalars& s, int64_t b, int64_t e) {
  const T* __restrict g = static_cast<const T*>(job.grad);
  T* __restrict m = static_cast<T*>(job.exp_avg);
  T* __restrict v = static_cast<T*>(job.exp_avg_sq);
  const T b1 = static_cast<T>(s.beta1), c1 = static_cast<T>(1 - s.beta1);
  const T b2 = static_cast<T>(s.beta2), c2 = static_cast<T>(1 - s.beta2);
  for (int64_t k = b; k < e; ++k) {
    const T gk = g[k];
    m[k] = m[k] * b1 + c1 * gk;
    v[k] = v[k] * b2 + c2 * gk * gk;
  }
}

// (‖θ‖², ‖u‖²) of one parameter, in float64, serially.
template <class T>
std::pair<double, double> squared_norms(const LambJob& job, const LambScalars& s, int64_t n) {
  const T* p = static_cast<const T*>(job.param);
  const T* m = static_cast<const T*>(job.exp_avg);
  const T* v = static_cast<const T*>(job.exp_avg_sq);
  const T wd = static_cast<T>(job.weight_decay);
  double pp = 0, uu = 0;
  for (int64_t k = 0; k < n; ++k) {
    const double u = static_cast<double>(lamb_direction<T>(m[k], v[k], p[k], wd, s));
    pp += static_cast<double>(p[k]) * static_cast<double>(p[k]);
    uu += u * u;
  }
  return {pp, uu};
}

template <class T>
void apply_kernel(const LambJob& job, const LambScalars& s, int64_t b, int64_t e) {
  T* __restrict p = static_cast<T*>(job.param);
  const T* __restrict m = static_cast<const T*>(job.exp_avg);
  const T* __restrict v = static_cast<const T*>(job.exp_avg_sq);
  const T wd = static_cast<T>(job.weight_decay), neg_step = static_cast<T>(-job.lr * job.trust);
  for (int64_t k = b; k < e; ++k) p[k] = p[k] + neg_step * lamb_direction<T>(m[k], v[k], p[k], wd, s);
}

}  // namespace

Lamb::Lamb(std::vector<ParamGroup> groups, LambOptions options) : Optimizer(std::move(groups)), options_(options) {
  SF_CHECK(options_.beta1 >= 0 && options_.beta1 < 1, "LAMB: beta1 ", options_.beta1, " must be in [0, 1)");
  SF_CHECK(options_.beta2 >= 0 && options_.beta2 < 1, "LAMB: beta2 ", options_.beta2, " must be in [0, 1)");
  SF_CHECK(options_.eps > 0 && std::isfinite(options_.eps), "LAMB: eps ", options_.eps, " must be > 0");
  SF_CHECK(options_.clamp_weight_norm >= 0, "LAMB: clamp_weight_norm ", options_.clamp_weight_norm,
           " must be >= 0 (0 = no clamp)");
  exp_avg_ = add_state_buffer("exp_avg");
  exp_avg_sq_ = add_state_buffer("exp_avg_sq");
}

void Lamb::step(double lr) {
  check_lr(lr);
  const double t = static_cast<double>(steps_taken() + 1);
  const LambScalars s{options_.beta1, options_.beta2, options_.eps, 1 - std::pow(options_.beta1, t),
                      1 - std::pow(options_.beta2, t)};
  std::vector<LambJob> jobs;
  std::vector<int64_t> sizes;
  std::vector<Tensor> grads;  // keeps contiguous copies alive during the loops
  for (size_t i = 0; i < num_params(); ++i) {
    Tensor g = checked_grad(i);
    if (!g.defined()) continue;
    const ParamGroup& group = group_of(i);
    Tensor& p = param(i).mutable_data();
    jobs.push_back({p.raw_data(), g.raw_data(), state(exp_avg_, i).raw_data(), state(exp_avg_sq_, i).raw_data(),
                    p.dtype(), group.weight_decay, lr * group.lr_scale});
    sizes.push_back(p.numel());
    grads.push_back(std::move(g));
  }
  const auto f32 = [&](size_t j) { return jobs[j].dtype == DType::f32; };
  optim_detail::for_each_piece(sizes, [&](size_t j, int64_t b, int64_t e) {
    f32(j) ? moments_kernel<float>(jobs[j], s, b, e) : moments_kernel<double>(jobs[j], s, b, e);
  });
  for (size_t j = 0; j < jobs.size(); ++j) {
    if (jobs[j].weight_decay == 0 && !options_.trust_all) continue;
    const auto [pp, uu] = f32(j) ? squared_norms<float>(jobs[j], s, sizes[j]) : squared_norms<double>(jobs[j], s, sizes[j]);
    double phi = std::sqrt(pp);
    if (options_.clamp_weight_norm > 0) phi = std::min(phi, options_.clamp_weight_norm);
    const double psi = std::sqrt(uu);
    if (phi > 0 && psi > 0) jobs[j].trust = phi / psi;
  }
  optim_detail::for_each_piece(sizes, [&](size_t j, int64_t b, int64_t e) {
    f32(j) ? apply_kernel<float>(jobs[j], s, b, e) : apply_kernel<double>(jobs[j], s, b, e);
  });
  count_step();
}

}  // namespace sf

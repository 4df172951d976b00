#include "optim/mezo.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/hash.h"
#include "core/parallel.h"
#include "core/rng.h"

namespace sf {
namespace {

constexpr int64_t kGrain = int64_t{1} << 14;  // elements per parallel work item

RngStream direction(uint64_t seed, uint32_t pid) { return RngStream{seed, pid, kTagMezo}; }

// δ = fl(ε·z) in T: the exact product rounded once.
template <class T>
T delta(double eps, T z) {
  return static_cast<T>(eps * static_cast<double>(z));
}

// θ ← θ + c·δ over one parameter, chunk by chunk.
template <class T>
void perturb_tensor(Tensor& p, RngStream s, double eps, double c) {
  T* theta = p.data<T>();
  const int64_t numel = p.numel();
  Tensor zbuf = empty({std::min(numel, kMezoChunk)}, p.dtype());
  T* z = zbuf.data<T>();
  const T ct = static_cast<T>(c);
  for (int64_t e0 = 0; e0 < numel; e0 += kMezoChunk) {
    const int64_t m = std::min(kMezoChunk, numel - e0);
    rng_normal(z, m, s, e0);
    T* th = theta + e0;
    parallel_for(m, kGrain, [&](int64_t b, int64_t e) {
      for (int64_t k = b; k < e; ++k) th[k] = th[k] + ct * delta(eps, z[k]);
    });
  }
}

struct UpdateJob {
  const std::vector<uint64_t>& seeds;
  const std::vector<double>& projected;
  uint32_t pid;
  double eps, lr, weight_decay;
  bool restore_last;  // fused_update: first θ ← θ + δ of the last direction
};

// θ ← θ − lr·(Σ_i p_i/n·z_i + λθ) over one parameter, in float64, rounded once. One direction needs only z;
// several accumulate their sum in a float64 chunk.
template <class T>
void update_tensor(Tensor& p, const UpdateJob& job) {
  T* theta = p.data<T>();
  const int64_t numel = p.numel(), chunk = std::min(numel, kMezoChunk);
  const size_t n = job.seeds.size();
  Tensor zbuf = empty({chunk}, p.dtype());
  Tensor accbuf = n > 1 ? empty({chunk}, DType::f64) : Tensor();
  T* z = zbuf.data<T>();
  double* acc = n > 1 ? accbuf.data<double>() : nullptr;
  const double lr = job.lr, wd = job.weight_decay, eps = job.eps;
  for (int64_t e0 = 0; e0 < numel; e0 += kMezoChunk) {
    const int64_t m = std::min(kMezoChunk, numel - e0);
    T* th = theta + e0;
    if (n == 1) {
      const double pg = job.projected[0];
      rng_normal(z, m, direction(job.seeds[0], job.pid), e0);
      parallel_for(m, kGrain, [&](int64_t b, int64_t e) {
        for (int64_t k = b; k < e; ++k) {
          const T r = job.restore_last ? th[k] + delta(eps, z[k]) : th[k];
          const double t = static_cast<double>(r);
          th[k] = static_cast<T>(t - lr * (pg * static_cast<double>(z[k]) + wd * t));
        }
      });
      continue;
    }
    for (size_t i = 0; i < n; ++i) {
      const double w = job.projected[i] / static_cast<double>(n);
      const bool restore = job.restore_last && i + 1 == n;
      rng_normal(z, m, direction(job.seeds[i], job.pid), e0);
      parallel_for(m, kGrain, [&](int64_t b, int64_t e) {
        for (int64_t k = b; k < e; ++k) {
          if (restore) th[k] = th[k] + delta(eps, z[k]);
          acc[k] = (i == 0 ? 0.0 : acc[k]) + w * static_cast<double>(z[k]);
        }
      });
    }
    parallel_for(m, kGrain, [&](int64_t b, int64_t e) {
      for (int64_t k = b; k < e; ++k) {
        const double t = static_cast<double>(th[k]);
        th[k] = static_cast<T>(t - lr * (acc[k] + wd * t));
      }
    });
  }
}

}  // namespace

Mezo::Mezo(std::vector<ParamGroup> groups, MezoOptions options) : Optimizer(std::move(groups)), options_(options) {
  SF_CHECK(std::isfinite(options_.eps) && options_.eps > 0, "MeZO: eps ", options_.eps, " must be > 0");
  // Canonical order: by dotted name, whatever the grouping put first.
  std::vector<size_t> order(num_params());
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return param_name(a) < param_name(b); });
  pids_.resize(num_params());
  for (size_t k = 0; k < order.size(); ++k) pids_[order[k]] = static_cast<uint32_t>(k);
}

uint64_t Mezo::direction_seed(uint64_t run_seed, int64_t step, int64_t i) {
  return mix(mix(run_seed, static_cast<uint64_t>(step)), static_cast<uint64_t>(i));
}

void Mezo::perturb(uint64_t seed, double c) {
  for (size_t i = 0; i < num_params(); ++i) {
    Tensor& p = param(i).mutable_data();
    SF_CHECK(p.is_contiguous(), name_prefix(), "parameter '", param_name(i), "' is no longer contiguous");
    if (p.dtype() == DType::f32)
      perturb_tensor<float>(p, direction(seed, pids_[i]), options_.eps, c);
    else
      perturb_tensor<double>(p, direction(seed, pids_[i]), options_.eps, c);
  }
}

void Mezo::restore_pending() {
  perturb(seeds_.back(), +1.0);
  unrestored_ = false;
}

SpsaLosses Mezo::evaluate(uint64_t seed, const std::function<double()>& objective) {
  SF_CHECK(projected_.empty(), name_prefix(), "evaluate() after set_projected_gradients(): call step() or discard() first");
  if (unrestored_) restore_pending();  // the previous direction of this step, under fused_update
  SpsaLosses l;
  perturb(seed, +1.0);
  l.plus = objective();
  perturb(seed, -2.0);
  l.minus = objective();
  seeds_.push_back(seed);
  if (options_.fused_update)
    unrestored_ = true;
  else
    perturb(seed, +1.0);
  return l;
}

void Mezo::set_projected_gradients(std::vector<double> p) {
  SF_CHECK(p.size() == seeds_.size(), name_prefix(), p.size(), " projected gradients for ", seeds_.size(),
           " evaluated directions");
  projected_ = std::move(p);
}

void Mezo::step(double lr) {
  check_lr(lr);
  SF_CHECK(!seeds_.empty() && projected_.size() == seeds_.size(), name_prefix(),
           "step() needs evaluate() and set_projected_gradients() first");
  for (size_t i = 0; i < num_params(); ++i) {
    const ParamGroup& g = group_of(i);
    const UpdateJob job{seeds_, projected_, pids_[i], options_.eps, lr * g.lr_scale, g.weight_decay, unrestored_};
    Tensor& p = param(i).mutable_data();
    if (p.dtype() == DType::f32)
      update_tensor<float>(p, job);
    else
      update_tensor<double>(p, job);
  }
  unrestored_ = false;
  seeds_.clear();
  projected_.clear();
  count_step();
}

void Mezo::discard() {
  if (unrestored_) restore_pending();
  seeds_.clear();
  projected_.clear();
}

}  // namespace sf

#include "optim/adamw.h"

#include <cmath>

#include "optim/multi_tensor.h"

namespace sf {
namespace {

// One parameter's share of a step: raw pointers plus the scalars of its group.
struct AdamWJob {
  void* param;
  const void* grad;
  void* exp_avg;
  void* exp_avg_sq;
  DType dtype;
  double decay;      // 1 − ηλ
  double step_size;  // η / (1 − β1ᵗ)
};

struct AdamWScalars {
  double beta1, beta2, eps, bias_correction2_sqrt;
};

// Elements [b, e) of one parameter. Scalars are rounded to T once, as PyTorch does, and the
// expressions keep PyTorch's evaluation order.
template <class T>
void adamw_kernel(const AdamWJob& job, const AdamWScalars& s, int64_t b, int64_t e) {
  T* __restrict p = static_cast<T*>(job.param);
  const T* __restrict g = static_cast<const T*>(job.grad);
  T* __restrict m = static_cast<T*>(job.exp_avg);
  T* __restrict v = static_cast<T*>(job.exp_avg_sq);
  const T decay = static_cast<T>(job.decay), neg_step = static_cast<T>(-job.step_size);
  const T b1 = static_cast<T>(s.beta1), c1 = static_cast<T>(1 - s.beta1);
  const T b2 = static_cast<T>(s.beta2), c2 = static_cast<T>(1 - s.beta2);
  const T bc2 = static_cast<T>(s.bias_correction2_sqrt), eps = static_cast<T>(s.eps);
  for (int64_t k = b; k < e; ++k) {
    const T gk = g[k];
    const T mk = m[k] * b1 + c1 * gk;
    const T vk = v[k] * b2 + c2 * gk * gk;
    const T denom = std::sqrt(vk) / bc2 + eps;
    m[k] = mk;
    v[k] = vk;
    p[k] = p[k] * decay + neg_step * mk / denom;
  }
}

}  // namespace

AdamW::AdamW(std::vector<ParamGroup> groups, AdamWOptions options)
    : Optimizer(std::move(groups)), options_(options) {
  SF_CHECK(options_.beta1 >= 0 && options_.beta1 < 1, "AdamW: beta1 ", options_.beta1, " must be in [0, 1)");
  SF_CHECK(options_.beta2 >= 0 && options_.beta2 < 1, "AdamW: beta2 ", options_.beta2, " must be in [0, 1)");
  SF_CHECK(options_.eps >= 0 && std::isfinite(options_.eps), "AdamW: eps ", options_.eps, " must be >= 0");
  exp_avg_ = add_state_buffer("exp_avg");
  exp_avg_sq_ = add_state_buffer("exp_avg_sq");
}

void AdamW::step(double lr) {
  check_lr(lr);
  const double t = static_cast<double>(steps_taken() + 1);
  const double bias_correction1 = 1 - std::pow(options_.beta1, t);
  const AdamWScalars scalars{options_.beta1, options_.beta2, options_.eps,
                             std::sqrt(1 - std::pow(options_.beta2, t))};
  std::vector<AdamWJob> jobs;
  std::vector<int64_t> sizes;
  std::vector<Tensor> grads;  // keeps contiguous copies alive during the loop
  for (size_t i = 0; i < num_params(); ++i) {
    Tensor g = checked_grad(i);
    if (!g.defined()) continue;
    const ParamGroup& group = group_of(i);
    const double group_lr = lr * group.lr_scale;
    Tensor& p = param(i).mutable_data();
    jobs.push_back({p.raw_data(), g.raw_data(), state(exp_avg_, i).raw_data(), state(exp_avg_sq_, i).raw_data(),
                    p.dtype(), 1 - group_lr * group.weight_decay, group_lr / bias_correction1});
    sizes.push_back(p.numel());
    grads.push_back(std::move(g));
  }
  optim_detail::for_each_piece(sizes, [&](size_t j, int64_t b, int64_t e) {
    if (jobs[j].dtype == DType::f32)
      adamw_kernel<float>(jobs[j], scalars, b, e);
    else
      adamw_kernel<double>(jobs[j], scalars, b, e);
  });
  count_step();
}

}  // namespace sf

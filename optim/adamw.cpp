#include "optim/adamw.h"

#include <cmath>

#include "optim/adamw_math.h"
#include "optim/multi_tensor.h"
#ifdef SF_WITH_CUDA
#include "optim/cuda/adamw_cuda.h"
#endif

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

// Elements [b, e) of one parameter.
template <class T>
void adamw_kernel(const AdamWJob& job, const AdamWScalars& s, int64_t b, int64_t e) {
  T* __restrict p = static_cast<T*>(job.param);
  const T* __restrict g = static_cast<const T*>(job.grad);
  T* __restrict m = static_cast<T*>(job.exp_avg);
  T* __restrict v = static_cast<T*>(job.exp_avg_sq);
  const math::AdamWCoeffs<T> c =
      math::adamw_coeffs<T>(job.decay, job.step_size, s.beta1, s.beta2, s.eps, s.bias_correction2_sqrt);
  for (int64_t k = b; k < e; ++k) math::adamw_element(p[k], g[k], m[k], v[k], c);
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
  if (num_params() > 0 && param(0).data().device().is_cuda()) {
    step_cuda(lr, bias_correction1, scalars.bias_correction2_sqrt);
    count_step();
    return;
  }
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

void AdamW::step_cuda(double lr, double bias_correction1, double bias_correction2_sqrt) {
#ifdef SF_WITH_CUDA
  const Device device = param(0).data().device();
  std::vector<cuda::AdamWTensor> tensors;
  std::vector<Tensor> grads;  // keeps contiguous copies alive until the launch
  for (size_t i = 0; i < num_params(); ++i) {
    Tensor& p = param(i).mutable_data();
    optim_detail::check_on_device(p, device, "AdamW", i);
    Tensor g = checked_grad(i);
    if (!g.defined()) continue;
    optim_detail::check_on_device(g, device, "AdamW", i);
    const ParamGroup& group = group_of(i);
    const double group_lr = lr * group.lr_scale;
    tensors.push_back({p.device_data<float>(), g.device_data<float>(), state(exp_avg_, i).device_data<float>(),
                       state(exp_avg_sq_, i).device_data<float>(), p.numel(), 1 - group_lr * group.weight_decay,
                       group_lr / bias_correction1});
    grads.push_back(std::move(g));
  }
  cuda::adamw_step(tensors, device.index, options_.beta1, options_.beta2, options_.eps, bias_correction2_sqrt);
#else
  throw Error("AdamW: parameters on a GPU need a build with CUDA");
#endif
}

}  // namespace sf

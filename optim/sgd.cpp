#include "optim/sgd.h"

#include <cmath>

#include "optim/multi_tensor.h"
#include "optim/sgd_math.h"
#ifdef SF_WITH_CUDA
#include "optim/cuda/sgd_cuda.h"
#endif

namespace sf {
namespace {

struct SgdJob {
  void* param;
  const void* grad;
  void* momentum_buffer;  // null without momentum
  DType dtype;
  double weight_decay;
  double lr;
};

// Elements [b, e) of one parameter; the buffer test is hoisted so each loop vectorises.
template <class T>
void sgd_kernel(const SgdJob& job, double momentum, bool nesterov, int64_t b, int64_t e) {
  T* __restrict p = static_cast<T*>(job.param);
  const T* __restrict g = static_cast<const T*>(job.grad);
  T* __restrict buf = static_cast<T*>(job.momentum_buffer);
  const math::SgdCoeffs<T> c = math::sgd_coeffs<T>(job.weight_decay, momentum, job.lr, nesterov);
  if (buf) {
    for (int64_t k = b; k < e; ++k) math::sgd_element(p[k], g[k], &buf[k], c);
  } else {
    for (int64_t k = b; k < e; ++k) math::sgd_element<T>(p[k], g[k], nullptr, c);
  }
}

}  // namespace

Sgd::Sgd(std::vector<ParamGroup> groups, SgdOptions options) : Optimizer(std::move(groups)), options_(options) {
  SF_CHECK(std::isfinite(options_.momentum) && options_.momentum >= 0, "SGD: momentum ", options_.momentum,
           " must be >= 0");
  SF_CHECK(!options_.nesterov || options_.momentum > 0, "SGD: Nesterov momentum needs momentum > 0");
  if (options_.momentum > 0) momentum_buffer_ = add_state_buffer("momentum_buffer");
}

void Sgd::step(double lr) {
  check_lr(lr);
  if (num_params() > 0 && param(0).data().device().is_cuda()) {
    step_cuda(lr);
    count_step();
    return;
  }
  std::vector<SgdJob> jobs;
  std::vector<int64_t> sizes;
  std::vector<Tensor> grads;  // keeps contiguous copies alive during the loop
  for (size_t i = 0; i < num_params(); ++i) {
    Tensor g = checked_grad(i);
    if (!g.defined()) continue;
    const ParamGroup& group = group_of(i);
    Tensor& p = param(i).mutable_data();
    void* buf = options_.momentum > 0 ? state(momentum_buffer_, i).raw_data() : nullptr;
    jobs.push_back({p.raw_data(), g.raw_data(), buf, p.dtype(), group.weight_decay, lr * group.lr_scale});
    sizes.push_back(p.numel());
    grads.push_back(std::move(g));
  }
  optim_detail::for_each_piece(sizes, [&](size_t j, int64_t b, int64_t e) {
    if (jobs[j].dtype == DType::f32)
      sgd_kernel<float>(jobs[j], options_.momentum, options_.nesterov, b, e);
    else
      sgd_kernel<double>(jobs[j], options_.momentum, options_.nesterov, b, e);
  });
  count_step();
}

void Sgd::step_cuda(double lr) {
#ifdef SF_WITH_CUDA
  const Device device = param(0).data().device();
  std::vector<cuda::SgdTensor> tensors;
  std::vector<Tensor> grads;  // keeps contiguous copies alive until the launch
  for (size_t i = 0; i < num_params(); ++i) {
    Tensor& p = param(i).mutable_data();
    optim_detail::check_on_device(p, device, "SGD", i);
    Tensor g = checked_grad(i);
    if (!g.defined()) continue;
    optim_detail::check_on_device(g, device, "SGD", i);
    float* buf = options_.momentum > 0 ? state(momentum_buffer_, i).device_data<float>() : nullptr;
    tensors.push_back({p.device_data<float>(), g.device_data<float>(), buf, p.numel(), group_of(i).weight_decay,
                       lr * group_of(i).lr_scale});
    grads.push_back(std::move(g));
  }
  cuda::sgd_step(tensors, device.index, options_.momentum, options_.nesterov);
#else
  throw Error("SGD: parameters on a GPU need a build with CUDA");
#endif
}

}  // namespace sf

#include "optim/sgd.h"

#include <cmath>

#include "optim/multi_tensor.h"

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

// Elements [b, e) of one parameter, in PyTorch's evaluation order with scalars rounded to T.
template <class T>
void sgd_kernel(const SgdJob& job, double momentum, bool nesterov, int64_t b, int64_t e) {
  T* __restrict p = static_cast<T*>(job.param);
  const T* __restrict g = static_cast<const T*>(job.grad);
  T* __restrict buf = static_cast<T*>(job.momentum_buffer);
  const T wd = static_cast<T>(job.weight_decay), mu = static_cast<T>(momentum);
  const T neg_lr = static_cast<T>(-job.lr);
  const bool decay = job.weight_decay != 0;
  for (int64_t k = b; k < e; ++k) {
    T d = decay ? g[k] + wd * p[k] : g[k];
    if (buf) {
      const T bk = buf[k] * mu + d;
      buf[k] = bk;
      d = nesterov ? d + mu * bk : bk;
    }
    p[k] = p[k] + neg_lr * d;
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

}  // namespace sf

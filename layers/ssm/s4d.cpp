#include "layers/ssm/s4d.h"

#include <cmath>
#include <numbers>

#include "autograd/functions.h"
#include "core/rng.h"
#include "layers/ssm/fft_conv.h"
#include "layers/ssm/hippo.h"
#include "layers/ssm/s4d_kernel.h"

namespace sf {
namespace {

// Im A of mode n of a state of size N (S4D-Lin or S4D-Inv of the S4D paper), each row of a (D, N/2)
// parameter alike.
Init imag_init(SsmInit kind, int64_t N) {
  return Init::custom([kind, N](Tensor& t, RngStream) {
    double* p = t.data<double>();
    const int64_t M = t.size(1);
    for (int64_t i = 0; i < t.numel(); ++i) {
      const double n = static_cast<double>(i % M);
      p[i] = kind == SsmInit::s4d_lin ? std::numbers::pi * n : (N / std::numbers::pi) * (N / (2 * n + 1) - 1);
    }
  });
}

Init legs_imag_init(int64_t N) {
  return Init::custom([N](Tensor& t, RngStream) {
    const HippoNplr legs = hippo_legs_nplr(N);
    double* p = t.data<double>();
    for (int64_t i = 0; i < t.numel(); ++i) p[i] = legs.Lambda[i % t.size(1)].imag();
  });
}

}  // namespace

S4D::S4D(const ModelConfig& c, DType dtype) : S4D(c, dtype, false) {}

S4D::S4D(const ModelConfig& c, DType dtype, bool legs) : width_(c.n_embd), modes_(c.section<SsmConfig>().d_state / 2) {
  const SsmConfig& ssm = c.section<SsmConfig>();
  const char* name = legs ? "s4" : "s4d";
  SF_CHECK(ssm.d_state >= 2 && ssm.d_state % 2 == 0, name, ": model.ssm.d_state must be even and >= 2 (N/2 ",
           "complex modes), got ", ssm.d_state);
  SF_CHECK(legs == (ssm.init == SsmInit::legs), name, ": model.ssm.init = ", enum_name(ssm.init),
           legs ? " is not available for s4 (DPLR); set model.ssm.init: legs (HiPPO-LegS)"
                : " is not available for s4d; use s4d_lin or s4d_inv (legs is for mixer s4)");
  const double lo = std::log(ssm.dt_min), hi = std::log(ssm.dt_max);
  log_dt_ = register_parameter("log_dt", {width_},
                               Init::custom([lo, hi](Tensor& t, RngStream s) {
                                 rng_uniform(t.data<double>(), t.numel(), s, 0, lo, hi);
                               }),
                               dtype);
  log_A_real_ = register_parameter("log_A_real", {width_, modes_},
                                   Init::custom([](Tensor& t, RngStream) { t.fill_(std::log(0.5)); }), dtype);
  A_imag_ = register_parameter("A_imag", {width_, modes_},
                               legs ? legs_imag_init(ssm.d_state) : imag_init(ssm.init, ssm.d_state), dtype);
  C_ = register_parameter("C", {width_, modes_, 2}, Init::normal(std::sqrt(0.5)), dtype);
  D_ = register_parameter("D_skip", {width_}, Init::normal(1.0), dtype);
  out_ = register_module("out", std::make_shared<Linear>(width_, 2 * width_, true,
                                                         Init::uniform(1.0 / std::sqrt(double(width_))), dtype));
}

Variable S4D::kernel(int64_t L) const { return s4d_kernel(log_dt_, log_A_real_, A_imag_, C_, L); }

Variable S4D::ssm(const Variable& u, int64_t n_fft) const {
  SF_CHECK(u.dim() == 3 && u.size(2) == width_, "s4d: input must be (B, L, ", width_, "), got ", shape_str(u.shape()));
  return causal_fft_conv(u, kernel(u.size(1)), n_fft) + u * D_;
}

Variable S4D::output(const Variable& y) const {
  Variable z = out_->forward(gelu(y));
  return narrow(z, -1, 0, width_) * sigmoid(narrow(z, -1, width_, width_));
}

Variable S4D::forward(const Variable& x) { return output(ssm(x)); }

Tensor S4D::initial_state(int64_t batch) const { return zeros({batch, width_, modes_, 2}, D_.dtype()); }

Tensor S4D::step(Tensor& state, const Tensor& x_t) {
  NoGradGuard no_grad;
  const S4dDiscrete d = s4d_discretise(log_dt_.data(), log_A_real_.data(), A_imag_.data());
  Tensor y = s4d_step(state, d, C_.data(), x_t) + x_t * D_.data();
  return output(Variable(y)).data();
}

Tensor S4D::step(const Tensor& x_t, int64_t /*pos*/, std::vector<Tensor>& state) {
  if (state.empty()) state.push_back(initial_state(x_t.size(0)));
  return step(state[0], x_t);
}

std::shared_ptr<Mixer> make_s4d(const ModelConfig& config, int64_t /*layer_index*/, DType dtype) {
  return std::make_shared<S4D>(config, dtype);
}

}  // namespace sf

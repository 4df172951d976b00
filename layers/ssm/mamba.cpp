#include "layers/ssm/mamba.h"

#include <algorithm>
#include <cmath>

#include "autograd/functions.h"
#include "core/rng.h"
#include "layers/causal_conv.h"

namespace sf {

Mamba::Mamba(const ModelConfig& c, int64_t /*layer_index*/, DType dtype)
    : d_model_(c.n_embd),
      inner_(c.section<SsmConfig>().expand * c.n_embd),
      d_state_(c.section<SsmConfig>().d_state),
      d_conv_(c.section<SsmConfig>().d_conv),
      dt_rank_(c.section<SsmConfig>().dt_rank > 0 ? c.section<SsmConfig>().dt_rank : (c.n_embd + 15) / 16) {
  const SsmConfig& ssm = c.section<SsmConfig>();
  scan_.chunk = ssm.chunk;
  const int64_t E = inner_, N = d_state_, R = dt_rank_;
  auto fan_in = [](int64_t n) { return Init::uniform(1.0 / std::sqrt(double(n))); };
  in_proj_ = register_module("in_proj", std::make_shared<Linear>(d_model_, 2 * E, false, fan_in(d_model_), dtype));
  conv_weight_ = register_parameter("conv_weight", {E, d_conv_}, fan_in(d_conv_), dtype);
  conv_bias_ = register_parameter("conv_bias", {E}, fan_in(d_conv_), dtype);
  x_proj_ = register_module("x_proj", std::make_shared<Linear>(E, R + 2 * N, false, fan_in(E), dtype));
  dt_proj_ = register_module("dt_proj", std::make_shared<Linear>(R, E, false, fan_in(R), dtype));
  const double lo = std::log(ssm.dt_min), hi = std::log(ssm.dt_max);
  dt_bias_ = register_parameter("dt_bias", {E}, Init::custom([lo, hi](Tensor& t, RngStream s) {
                                  double* p = t.data<double>();
                                  rng_uniform(p, t.numel(), s, 0, lo, hi);
                                  for (int64_t i = 0; i < t.numel(); ++i) {
                                    const double dt = std::max(std::exp(p[i]), 1e-4);
                                    p[i] = dt + std::log(-std::expm1(-dt));  // softplus⁻¹(dt)
                                  }
                                }),
                                dtype);
  A_log_ = register_parameter("A_log", {E, N}, Init::custom([](Tensor& t, RngStream) {
                                double* p = t.data<double>();
                                const int64_t n_state = t.size(1);
                                for (int64_t i = 0; i < t.numel(); ++i) p[i] = std::log(double(i % n_state + 1));
                              }),
                              dtype);
  D_ = register_parameter("D", {E}, Init::ones(), dtype);
  out_proj_ = register_module(
      "out_proj", std::make_shared<Linear>(E, d_model_, false,
                                           Init::uniform(1.0 / std::sqrt(double(E) * double(c.n_layer))), dtype));
}

Variable Mamba::forward(const Variable& X) {
  SF_CHECK(X.dim() == 3 && X.size(2) == d_model_, "mamba: input must be (B, L, ", d_model_, "), got ",
           shape_str(X.shape()));
  const int64_t E = inner_, N = d_state_;
  Variable xz = in_proj_->forward(X);
  Variable x = silu(causal_conv(narrow(xz, 2, 0, E), conv_weight_, conv_bias_));
  Variable z = narrow(xz, 2, E, E);
  Variable dbc = x_proj_->forward(x);
  Variable delta = softplus(dt_proj_->forward(narrow(dbc, 2, 0, dt_rank_)) + dt_bias_);
  Variable y = selective_scan(x, delta, -exp(A_log_), contiguous(narrow(dbc, 2, dt_rank_, N)),
                              contiguous(narrow(dbc, 2, dt_rank_ + N, N)), D_, scan_);
  return out_proj_->forward(y * silu(z));
}

Mamba::State Mamba::initial_state(int64_t batch) const {
  return {zeros({batch, d_conv_ - 1, inner_}, D_.dtype()), zeros({batch, inner_, d_state_}, D_.dtype())};
}

Tensor Mamba::step(State& s, const Tensor& x_t) {
  NoGradGuard no_grad;
  const int64_t E = inner_, N = d_state_;
  const Tensor xz = in_proj_->forward(Variable(x_t)).data();  // (B, 2E)
  const Tensor x = xz.narrow(1, 0, E), z = xz.narrow(1, E, E);
  const Tensor xc = unary(UnaryOp::silu, causal_conv_step(s.conv, x, conv_weight_.data(), conv_bias_.data()));
  const Tensor dbc = x_proj_->forward(Variable(xc)).data();
  const Tensor delta = unary(
      UnaryOp::softplus, dt_proj_->forward(Variable(dbc.narrow(1, 0, dt_rank_))).data() + dt_bias_.data());
  const Tensor A = -unary(UnaryOp::exp, A_log_.data());
  const Tensor y = selective_scan_step(s.ssm, xc, delta, A, dbc.narrow(1, dt_rank_, N),
                                       dbc.narrow(1, dt_rank_ + N, N), D_.data());
  return out_proj_->forward(Variable(y * unary(UnaryOp::silu, z))).data();
}

Tensor Mamba::step(const Tensor& x_t, int64_t /*pos*/, std::vector<Tensor>& state) {
  State s = state.empty() ? initial_state(x_t.size(0)) : State{state[0], state[1]};
  Tensor y = step(s, x_t);
  state = {s.conv, s.ssm};
  return y;
}

std::shared_ptr<Mixer> make_mamba(const ModelConfig& config, int64_t layer_index, DType dtype) {
  return std::make_shared<Mamba>(config, layer_index, dtype);
}

}  // namespace sf

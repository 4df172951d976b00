#include "layers/rnn/para_rnn_mixer.h"

#include <cmath>

#include "autograd/functions.h"
#include "layers/causal_conv.h"

namespace sf {

ParaRnnMixer::ParaRnnMixer(ParaCellKind kind, const ModelConfig& c, DType dtype)
    : kind_(kind),
      block_(c.section<RnnConfig>().block),
      heads_(c.section<RnnConfig>().heads),
      d_(c.n_embd),
      d_conv_(c.section<RnnConfig>().d_conv),
      a_clamp_(c.section<RnnConfig>().a_clamp),
      options_(ParaRnnOptions::from(c.section<RnnConfig>())) {
  SF_CHECK(c.n_embd % heads_ == 0, "model.rnn.heads = ", heads_, " must divide model.n_embd = ", c.n_embd);
  const bool gated = block_ == RnnBlock::gated;
  const Init linear_init = Init::uniform(1.0 / std::sqrt(double(d_)));  // fan_in = d = D
  if (gated) {
    const Init conv_init = Init::uniform(1.0 / std::sqrt(double(d_conv_)));
    in_proj_ = register_module("in_proj", std::make_shared<Linear>(d_, 2 * d_, false, linear_init, dtype));
    conv_weight_ = register_parameter("conv_weight", {d_, d_conv_}, conv_init, dtype);
    conv_bias_ = register_parameter("conv_bias", {d_}, conv_init, dtype);
  }
  const int64_t din = c.n_embd / heads_, dout = d_ / heads_;
  const double a_std = 2.0 / std::sqrt(5.0 * static_cast<double>(d_));
  w_in_ = register_parameter("w_in", {heads_, din, 3, dout}, Init::uniform(std::sqrt(6.0 / double(din + d_))), dtype);
  // The first gate (GRU z, LSTM f) starts with a spread of slow update rates: the state keeps
  // σ(2 + 4j/(d−1)) ∈ [0.88, 0.9975] of itself per step, memory spans of ~8 to ~400 steps. With rates
  // near 1/2 (the former −linspace(0, 1) bias) a gradient from 95 steps back vanished and Keep-nth
  // (L = 100) stayed at chance; with this spread ParaGRU solves it in 1000 steps.
  const double keep_sign = kind_ == ParaCellKind::gru ? -1.0 : 1.0;  // GRU keeps at z → 0, LSTM at f → 1
  b_ = register_parameter("b", {3, d_}, Init::custom([d = d_, keep_sign](Tensor& host, RngStream) {
                            host.zero_();
                            double* row = host.data<double>();
                            for (int64_t j = 0; j < d; ++j)
                              row[j] = keep_sign * (2.0 + 4.0 * (d > 1 ? double(j) / double(d - 1) : 0.0));
                          }),
                          dtype);
  a_ = register_parameter("a", {3, d_}, Init::normal(a_std), dtype);
  if (kind_ == ParaCellKind::lstm) cp_ = register_parameter("cp", {2, d_}, Init::normal(a_std), dtype);
  if (gated) {
    out_norm_ = register_module("out_norm", std::make_shared<RMSNorm>(d_, c.norm_eps, dtype));
    out_proj_ = register_module("out_proj", std::make_shared<Linear>(d_, d_, false, linear_init, dtype));
  }
}

Variable ParaRnnMixer::gate_inputs(const Variable& x) const {
  const int64_t B = x.size(0), L = x.size(1), din = x.size(2) / heads_, dout = d_ / heads_;
  Variable xh = permute(reshape(x, {B * L, heads_, din}), {1, 0, 2});           // (heads, BL, din)
  Variable u = matmul(xh, reshape(w_in_, {heads_, din, 3 * dout}));              // (heads, BL, 3·dout)
  u = permute(reshape(u, {heads_, B * L, 3, dout}), {1, 2, 0, 3});               // (BL, 3, heads, dout)
  return reshape(contiguous(u), {B, L, 3, d_}) + b_;
}

Variable ParaRnnMixer::clamped(const Variable& p) const { return a_clamp_ > 0 ? clamp(p, -a_clamp_, a_clamp_) : p; }

Variable ParaRnnMixer::cell(const Variable& u) {
  return para_rnn(kind_, gate_inputs(u), clamped(a_), kind_ == ParaCellKind::lstm ? clamped(cp_) : Variable(),
                  options_, &stats_);
}

Tensor ParaRnnMixer::cell_step(const Tensor& u_t, Tensor& h) const {
  const int64_t B = u_t.size(0);
  if (!h.defined()) h = kind_ == ParaCellKind::gru ? zeros({B, d_}, u_t.dtype()) : zeros({B, 2, d_}, u_t.dtype());
  Variable g = gate_inputs(Variable(u_t.reshape({B, 1, d_})));
  Tensor cp = kind_ == ParaCellKind::lstm ? clamped(cp_).data() : Tensor();
  return para_rnn_step(kind_, g.data().select(1, 0), clamped(a_).data(), cp, h);
}

Variable ParaRnnMixer::forward(const Variable& x) {
  SF_CHECK(x.dim() == 3 && x.size(2) == d_, "ParaRnnMixer: input must be (B, L, ", d_, "), got ", shape_str(x.shape()));
  if (block_ == RnnBlock::cell) return cell(x);
  Variable uz = in_proj_->forward(x);  // (B, L, 2d)
  Variable u = silu(causal_conv(narrow(uz, 2, 0, d_), conv_weight_, conv_bias_));
  Variable y = out_norm_->forward(cell(u)) * silu(narrow(uz, 2, d_, d_));
  return out_proj_->forward(y);
}

Tensor ParaRnnMixer::step(const Tensor& x_t, int64_t /*pos*/, std::vector<Tensor>& state) {
  NoGradGuard no_grad;
  const int64_t B = x_t.size(0);
  const bool gated = block_ == RnnBlock::gated;
  if (state.empty()) {
    state.emplace_back();  // the cell state, allocated by cell_step
    if (gated) state.push_back(zeros({B, d_conv_ - 1, d_}, x_t.dtype()));
  }
  if (!gated) return cell_step(x_t, state[0]);
  const Tensor uz = in_proj_->forward(Variable(x_t)).data();  // (B, 2d)
  const Tensor u =
      unary(UnaryOp::silu, causal_conv_step(state[1], uz.narrow(1, 0, d_), conv_weight_.data(), conv_bias_.data()));
  const Tensor y = out_norm_->forward(Variable(cell_step(u, state[0]))).data();
  return out_proj_->forward(Variable(y * unary(UnaryOp::silu, uz.narrow(1, d_, d_)))).data();
}

Mixer::Diagnostics ParaRnnMixer::diagnostics() const {
  if (options_.mode != RnnMode::parallel) return {};
  return {{"newton_iters", static_cast<double>(stats_.iterations)}, {"newton_residual", stats_.residual}};
}

std::shared_ptr<Mixer> make_paragru(const ModelConfig& config, int64_t, DType dtype) {
  return std::make_shared<ParaRnnMixer>(ParaCellKind::gru, config, dtype);
}

std::shared_ptr<Mixer> make_paralstm(const ModelConfig& config, int64_t, DType dtype) {
  return std::make_shared<ParaRnnMixer>(ParaCellKind::lstm, config, dtype);
}

}  // namespace sf

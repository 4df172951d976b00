#include "layers/rnn/para_rnn_mixer.h"

#include <cmath>

#include "autograd/functions.h"

namespace sf {

ParaRnnMixer::ParaRnnMixer(ParaCellKind kind, const ModelConfig& c, DType dtype)
    : kind_(kind), heads_(c.rnn.heads), d_(c.n_embd), a_clamp_(c.rnn.a_clamp), options_(ParaRnnOptions::from(c.rnn)) {
  SF_CHECK(c.n_embd % c.rnn.heads == 0, "model.rnn.heads = ", c.rnn.heads, " must divide model.n_embd = ", c.n_embd);
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
}

Variable ParaRnnMixer::gate_inputs(const Variable& x) const {
  const int64_t B = x.size(0), L = x.size(1), din = x.size(2) / heads_, dout = d_ / heads_;
  Variable xh = permute(reshape(x, {B * L, heads_, din}), {1, 0, 2});           // (heads, BL, din)
  Variable u = matmul(xh, reshape(w_in_, {heads_, din, 3 * dout}));              // (heads, BL, 3·dout)
  u = permute(reshape(u, {heads_, B * L, 3, dout}), {1, 2, 0, 3});               // (BL, 3, heads, dout)
  return reshape(contiguous(u), {B, L, 3, d_}) + b_;
}

Variable ParaRnnMixer::clamped(const Variable& p) const { return a_clamp_ > 0 ? clamp(p, -a_clamp_, a_clamp_) : p; }

Variable ParaRnnMixer::forward(const Variable& x) {
  SF_CHECK(x.dim() == 3 && x.size(2) == d_, "ParaRnnMixer: input must be (B, L, ", d_, "), got ", shape_str(x.shape()));
  return para_rnn(kind_, gate_inputs(x), clamped(a_), kind_ == ParaCellKind::lstm ? clamped(cp_) : Variable(),
                  options_, &stats_);
}

Tensor ParaRnnMixer::step(const Tensor& x_t, std::vector<Tensor>& state) {
  NoGradGuard no_grad;
  const int64_t B = x_t.size(0);
  if (state.empty())
    state.push_back(kind_ == ParaCellKind::gru ? zeros({B, d_}, x_t.dtype()) : zeros({B, 2, d_}, x_t.dtype()));
  Variable u = gate_inputs(Variable(x_t.reshape({B, 1, d_})));
  Tensor cp = kind_ == ParaCellKind::lstm ? clamped(cp_).data() : Tensor();
  return para_rnn_step(kind_, u.data().select(1, 0), clamped(a_).data(), cp, state[0]);
}

std::shared_ptr<Mixer> make_paragru(const ModelConfig& config, int64_t, DType dtype) {
  return std::make_shared<ParaRnnMixer>(ParaCellKind::gru, config, dtype);
}

std::shared_ptr<Mixer> make_paralstm(const ModelConfig& config, int64_t, DType dtype) {
  return std::make_shared<ParaRnnMixer>(ParaCellKind::lstm, config, dtype);
}

}  // namespace sf

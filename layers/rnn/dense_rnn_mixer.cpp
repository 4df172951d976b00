#include "layers/rnn/dense_rnn_mixer.h"

#include <cmath>
#include <string>

#include "autograd/functions.h"

namespace sf {

DenseRnnMixer::DenseRnnMixer(DenseCellKind kind, const ModelConfig& c, DType dtype) : kind_(kind), hidden_(c.n_embd) {
  const int64_t GH = dense_gates(kind) * hidden_;
  const Init init = Init::uniform(1.0 / std::sqrt(static_cast<double>(hidden_)));
  for (int64_t k = 0; k < c.section<RnnConfig>().layers; ++k) {
    const std::string s = "_l" + std::to_string(k);
    layers_.push_back({register_parameter("weight_ih" + s, {GH, hidden_}, init, dtype),
                       register_parameter("weight_hh" + s, {GH, hidden_}, init, dtype),
                       register_parameter("bias_ih" + s, {GH}, init, dtype),
                       register_parameter("bias_hh" + s, {GH}, init, dtype)});
  }
}

Variable DenseRnnMixer::forward(const Variable& x) {
  SF_CHECK(x.dim() == 3 && x.size(2) == hidden_, "DenseRnnMixer: input must be (B, L, ", hidden_, "), got ",
           shape_str(x.shape()));
  Variable h = x;
  for (const Layer& l : layers_) h = dense_rnn(kind_, linear(h, l.w_ih, l.b_ih), l.w_hh, l.b_hh);
  return h;
}

Tensor DenseRnnMixer::step(const Tensor& x_t, int64_t /*pos*/, std::vector<Tensor>& state) {
  NoGradGuard no_grad;
  const size_t per_layer = kind_ == DenseCellKind::lstm ? 2 : 1;
  if (state.empty()) state.assign(layers_.size() * per_layer, zeros({x_t.size(0), hidden_}, x_t.dtype()));
  Tensor h = x_t;
  for (size_t k = 0; k < layers_.size(); ++k) {
    const Layer& l = layers_[k];
    std::vector<Tensor> s(state.begin() + k * per_layer, state.begin() + (k + 1) * per_layer);
    h = dense_rnn_step(kind_, linear(Variable(h), l.w_ih, l.b_ih).data(), l.w_hh.data(), l.b_hh.data(), s);
    std::copy(s.begin(), s.end(), state.begin() + k * per_layer);
  }
  return h;
}

std::shared_ptr<Mixer> make_lstm(const ModelConfig& config, int64_t, DType dtype) {
  return std::make_shared<DenseRnnMixer>(DenseCellKind::lstm, config, dtype);
}

std::shared_ptr<Mixer> make_gru(const ModelConfig& config, int64_t, DType dtype) {
  return std::make_shared<DenseRnnMixer>(DenseCellKind::gru, config, dtype);
}

}  // namespace sf

#include "layers/m2/implicit_filter.h"

#include <cmath>
#include <numbers>

#include "autograd/functions.h"
#include "autograd/fused_sin.h"

namespace sf {

ImplicitFilter::ImplicitFilter(int64_t channels, int64_t max_len, const M2Config& c, DType dtype)
    : channels_(channels), max_len_(max_len) {
  const int64_t emb = c.filter_emb, J = (emb - 1) / 2, order = c.filter_order, L = max_len;
  std::vector<double> z(static_cast<size_t>(L * emb)), w(static_cast<size_t>(L * channels));
  const double denom = std::max<int64_t>(L - 1, 1);
  for (int64_t t = 0; t < L; ++t) {
    double* row = z.data() + t * emb;
    row[0] = static_cast<double>(t) / denom;
    for (int64_t j = 0; j < J; ++j) {
      const double f = J == 1 ? 1e-4 : 1e-4 + (static_cast<double>(J - 1) - 1e-4) * static_cast<double>(j) / double(J - 1);
      const double angle = 2 * std::numbers::pi * f * static_cast<double>(t) / static_cast<double>(L);
      row[1 + j] = std::cos(angle);
      row[1 + J + j] = -std::sin(angle);
    }
    const double lo = std::log(1e-2) / 1.5, hi = std::log(1e-2) / 0.3;
    for (int64_t d = 0; d < channels; ++d) {
      const double delta = channels == 1 ? lo : lo + (hi - lo) * static_cast<double>(d) / double(channels - 1);
      w[t * channels + d] = std::exp(-static_cast<double>(t) / denom * std::abs(delta));
    }
  }
  Tensor features = from_vector<double>(z, {L, emb});
  if (c.pos_lr > 0) {
    z_ = register_parameter("pos", {L, emb}, Init::custom([features](Tensor& t, RngStream) { t.copy_(features); }),
                            dtype, ParamHint{c.pos_lr, 0.0});
  } else {
    z_ = Variable(features.to(dtype));
  }
  window_ = from_vector<double>(w, {L, channels}).to(dtype);
  auto fan_in = [](int64_t n) { return Init::uniform(1.0 / std::sqrt(static_cast<double>(n))); };
  in_ = register_module("in", std::make_shared<Linear>(emb, order, true, fan_in(emb), dtype));
  hidden1_ = register_module("hidden1", std::make_shared<Linear>(order, order, true, fan_in(order), dtype));
  hidden2_ = register_module("hidden2", std::make_shared<Linear>(order, order, true, fan_in(order), dtype));
  out_ = register_module("out", std::make_shared<Linear>(order, channels, false, fan_in(order), dtype));
  const ParamHint mlp{c.filter_lr > 0 ? std::optional<double>(c.filter_lr) : std::nullopt, c.filter_weight_decay};
  freq_ = register_parameter("freq", {order}, Init::custom([f = c.filter_freq](Tensor& t, RngStream) { t.fill_(f); }),
                             dtype, mlp);
  for (const auto& layer : {in_, hidden1_, hidden2_, out_}) layer->hint_parameters(mlp);
}

Variable ImplicitFilter::forward(int64_t length) const {
  SF_CHECK(length >= 1 && length <= max_len_, "implicit filter: length ", length, " is outside [1, ", max_len_,
           "] (model.block_size)");
  auto act = [this](const Variable& h) { return scaled_sin(h, freq_); };  // sin(h ⊙ freq), fused
  Variable h = act(in_->forward(narrow(z_, 0, 0, length)));
  h = act(hidden1_->forward(h));
  h = act(hidden2_->forward(h));
  Variable k = out_->forward(h) * Variable(window_.narrow(0, 0, length));  // (length, D)
  return transpose(k, 0, 1);  // a view: the convolutions read any strides
}

void ImplicitFilter::on_device_change(Device device) {
  move_to_device(window_, device);
  move_to_device(z_, device);
}

}  // namespace sf

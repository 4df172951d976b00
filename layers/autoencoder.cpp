#include "layers/autoencoder.h"

#include <cmath>
#include <string>

#include "autograd/functions.h"

namespace sf {

Autoencoder::Autoencoder(const AutoencoderConfig& config, DType dtype) : config_(config), dtype_(dtype) {
  const std::vector<int64_t>& w = config.widths;
  SF_CHECK(w.size() >= 2, "Autoencoder: model.autoencoder.widths needs at least two widths, got ", w.size());
  for (size_t i = 0; i + 1 < w.size(); ++i) {
    SF_CHECK(w[i] > 0 && w[i + 1] > 0, "Autoencoder: model.autoencoder.widths must all be > 0");
    const double bound = 1.0 / std::sqrt(static_cast<double>(w[i]));  // torch.nn.Linear's init
    layers_.push_back(register_module("fc" + std::to_string(i),
                                      std::make_shared<Linear>(w[i], w[i + 1], true, Init::uniform(bound), dtype,
                                                               Init::uniform(bound))));
  }
}

Variable Autoencoder::forward(const Variable& x) const {
  SF_CHECK(x.dim() == 2 && x.size(1) == config_.widths.front(), "Autoencoder: input must be rows (B, ",
           config_.widths.front(), "), got ", shape_str(x.shape()));
  Variable h = x;
  for (size_t i = 0; i < layers_.size(); ++i) {
    h = layers_[i]->forward(h);
    if (i + 1 == layers_.size()) break;
    switch (config_.activation) {
      case Activation::tanh: h = tanh(h); break;
      case Activation::relu: h = relu(h); break;
      case Activation::gelu: h = gelu(h); break;
      case Activation::sigmoid: h = sigmoid(h); break;
    }
  }
  return h;
}

Variable Autoencoder::forward(const Tensor& x) {
  SF_CHECK(x.dtype() == dtype_, "Autoencoder: rows must be ", dtype_name(dtype_), ", got ", dtype_name(x.dtype()));
  return forward(Variable(x, false));
}

Variable Autoencoder::criterion(const Variable& output, const Tensor& y) const {
  SF_CHECK(output.shape() == y.shape(), "Autoencoder: targets ", shape_str(y.shape()), " do not match the output ",
           shape_str(output.shape()));
  const Variable d = sub(output, Variable(y, false));
  return mean(mul(d, d));
}

}  // namespace sf

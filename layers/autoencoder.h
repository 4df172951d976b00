// Autoencoder (model.arch: autoencoder): a stack of Linears over rows of numbers, widths from
// model.autoencoder.widths (256-128-64-16-64-128-256 by default: the deep autoencoder of MKOR's
// inversion-frequency study, spec optim.md §4.10 a), model.autoencoder.activation between them and none after
// the last. Trained to reconstruct its input: criterion = mean over every entry of (output − target)².
// Linears with bias, torch.nn.Linear's init (weight and bias U(±1/√fan_in)); parameters fc0, fc1, ...
// Plain Linears, so MKOR preconditions every one of them through its hooks.
#pragma once
#include <memory>
#include <vector>

#include "layers/linear.h"
#include "layers/model.h"

namespace sf {

class Autoencoder : public Model {
 public:
  explicit Autoencoder(const AutoencoderConfig& config, DType dtype = DType::f32);

  Variable forward(const Variable& x) const;  // (B, widths.front()) -> (B, widths.back())
  Variable forward(const Tensor& x) override;
  Variable criterion(const Variable& output, const Tensor& y) const override;
  double throughput_items(const Tensor& x) const override { return static_cast<double>(x.size(0)); }

  const AutoencoderConfig& config() const { return config_; }

 private:
  AutoencoderConfig config_;
  DType dtype_;
  std::vector<std::shared_ptr<Linear>> layers_;
};

}  // namespace sf

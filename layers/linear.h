// Linear: y = x W^T + b, weight (out, in), optional bias (zeros at init unless bias_init says otherwise).
// Runs the module hooks (layers/module.h): adapters and optimizer statistics attach here.
#pragma once
#include "layers/module.h"

namespace sf {

class Linear : public Module {
 public:
  Linear(int64_t in_features, int64_t out_features, bool bias, Init weight_init, DType dtype = DType::f32,
         Init bias_init = Init::zeros());

  Variable forward(const Variable& x) const;  // (..., in) -> (..., out)
  const Variable& weight() const { return weight_; }
  const Variable& bias() const { return bias_; }  // undefined without bias
  int64_t in_features() const { return weight_.size(1); }
  int64_t out_features() const { return weight_.size(0); }

  // Declares the output as equal named parts in order (a fused qkv projection: {"q", "k", "v"}), so an
  // adapter can address one slice as "<path>.q". The parts must divide out_features.
  void set_output_parts(std::vector<std::string> names);
  const std::vector<std::string>& output_parts() const { return parts_; }
  // The output rows [first, first + count) of part `name`; an unknown name is an error.
  std::pair<int64_t, int64_t> part_rows(const std::string& name) const;

 private:
  Variable weight_;
  Variable bias_;
  std::vector<std::string> parts_;
};

}  // namespace sf

// The toy problem of tools/parity/optim_reference.py, rebuilt in C++: three parameters whose
// gradients are a fixed formula of their values, so trajectories can be compared with PyTorch's.
#pragma once
#include <cmath>
#include <string>
#include <vector>

#include "golden/optim_golden.h"
#include "optim/optimizer.h"

namespace sf::test {

inline Shape spec_shape(const optim_golden::TensorSpec& s) {
  return s.rank == 1 ? Shape{s.dims[0]} : Shape{s.dims[0], s.dims[1]};
}

// p[t][j] = 0.8 sin(0.37 (j + 1) + 1.1 t), in float64 then rounded to the dtype.
inline NamedParameters toy_params(DType dtype) {
  NamedParameters out;
  for (int t = 0; t < optim_golden::kTensors; ++t) {
    const auto& spec = optim_golden::kSpecs[t];
    Shape shape = spec_shape(spec);
    std::vector<double> v(shape_numel(shape));
    for (size_t j = 0; j < v.size(); ++j) v[j] = 0.8 * std::sin(0.37 * static_cast<double>(j + 1) + 1.1 * t);
    out.emplace_back(spec.name, Variable(from_vector<double>(v, shape).to(dtype), true));
  }
  return out;
}

// g = sin(k p) + s_j with s_j = +offset for even j, -offset for odd j, in the parameter's dtype.
template <class T>
Tensor toy_grad(const Tensor& p, double k) {
  std::vector<T> values = to_vector<T>(p);
  for (size_t j = 0; j < values.size(); ++j) {
    const T s = static_cast<T>(j % 2 == 0 ? optim_golden::kGradOffset : -optim_golden::kGradOffset);
    values[j] = std::sin(values[j] * static_cast<T>(k)) + s;
  }
  return from_vector<T>(values, p.shape());
}

inline void set_toy_grads(NamedParameters& params) {
  for (int t = 0; t < optim_golden::kTensors; ++t) {
    Variable& p = params[t].second;
    const double k = optim_golden::kSpecs[t].k;
    p.set_grad(p.dtype() == DType::f32 ? toy_grad<float>(p.data(), k) : toy_grad<double>(p.data(), k));
  }
}

inline double toy_lr(double base, int step) { return base * (1 - optim_golden::kLrDecayPerStep * step); }

// All parameters flattened and concatenated, as float64.
inline std::vector<double> flat_values(const NamedParameters& params) {
  std::vector<double> out;
  for (const auto& [name, p] : params) {
    std::vector<double> v = to_vector<double>(p.data());
    out.insert(out.end(), v.begin(), v.end());
  }
  return out;
}

}  // namespace sf::test

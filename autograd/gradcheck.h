// Finite-difference gradient check (float64, central differences).
//
// For f: inputs -> output, draws a fixed random cotangent R and compares the autograd gradient of
// <R, f(x)> with (<R, f(x + eps e_i)> - <R, f(x - eps e_i)>) / 2eps for every element of every input.
// An element passes when |autograd − numeric| ≤ atol + rtol·|numeric|.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "autograd/variable.h"

namespace sf {

struct GradcheckOptions {
  double eps = 1e-6;
  double atol = 1e-8;
  double rtol = 1e-6;
  uint64_t seed = 0;
};

struct GradcheckResult {
  bool ok = true;
  double max_abs_err = 0.0;
  std::string report;  // names the first failing input and element
};

using GradcheckFn = std::function<Variable(const std::vector<Variable>&)>;

// `inputs` must be float64; each is copied into a fresh leaf that requires grad. Non-differentiable
// inputs go in the closure.
GradcheckResult gradcheck(const GradcheckFn& f, const std::vector<Tensor>& inputs,
                          const GradcheckOptions& opts = {});

// The same check w.r.t. existing leaves that f() reads itself, such as a module's parameters: each
// must be a float64 contiguous leaf that requires grad. The leaves are perturbed in place; their
// values and gradients are as before when the check returns.
GradcheckResult gradcheck(const std::function<Variable()>& f, const std::vector<Variable>& leaves,
                          const GradcheckOptions& opts = {});

}  // namespace sf

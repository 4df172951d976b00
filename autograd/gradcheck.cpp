#include "autograd/gradcheck.h"

#include <cmath>
#include <sstream>

#include "core/ops.h"
#include "core/rng.h"

namespace sf {

GradcheckResult gradcheck(const GradcheckFn& f, const std::vector<Tensor>& inputs, const GradcheckOptions& opts) {
  std::vector<Variable> vars;
  for (const auto& t : inputs) {
    SF_CHECK(t.dtype() == DType::f64, "gradcheck: inputs must be float64, got ", dtype_name(t.dtype()));
    vars.emplace_back(t.clone(), true);
  }
  return gradcheck([&] { return f(vars); }, vars, opts);
}

GradcheckResult gradcheck(const std::function<Variable()>& f, const std::vector<Variable>& leaves,
                          const GradcheckOptions& opts) {
  std::vector<Tensor> saved_grads;
  for (const auto& v : leaves) {
    SF_CHECK(v.defined() && v.is_leaf() && v.requires_grad(), "gradcheck: every leaf must be a leaf Variable that "
             "requires grad");
    SF_CHECK(v.dtype() == DType::f64 && v.data().is_contiguous(), "gradcheck: leaves must be contiguous float64, got ",
             dtype_name(v.dtype()));
    saved_grads.push_back(v.grad());
  }
  for (auto v : leaves) v.zero_grad();
  Variable out = f();
  Tensor cot = empty(out.shape(), DType::f64);
  rng_normal(cot.data<double>(), cot.numel(), RngStream{opts.seed, 0, 0x47524144 /*'GRAD'*/});
  out.backward(cot);

  auto objective = [&] {
    NoGradGuard no_grad;
    return sum(mul(f().data(), cot)).item<double>();
  };
  GradcheckResult res;
  std::ostringstream report;
  for (size_t i = 0; i < leaves.size(); ++i) {
    Variable leaf = leaves[i];
    Tensor analytic = leaf.grad().defined() ? leaf.grad().contiguous() : zeros(leaf.shape(), DType::f64);
    double* x = leaf.mutable_data().data<double>();
    const double* a = analytic.data<double>();
    for (int64_t e = 0; e < leaf.numel(); ++e) {
      const double saved = x[e];
      x[e] = saved + opts.eps;
      const double plus = objective();
      x[e] = saved - opts.eps;
      const double minus = objective();
      x[e] = saved;
      const double numeric = (plus - minus) / (2 * opts.eps);
      const double err = std::abs(a[e] - numeric);
      res.max_abs_err = std::max(res.max_abs_err, err);
      if (!(err <= opts.atol + opts.rtol * std::abs(numeric)) && res.ok) {
        res.ok = false;
        report << "input " << i << " element " << e << ": autograd " << a[e] << ", finite difference " << numeric
               << " (|diff| " << err << ")";
      }
    }
  }
  for (size_t i = 0; i < leaves.size(); ++i) Variable(leaves[i]).set_grad(saved_grads[i]);
  res.report = res.ok ? "ok" : report.str();
  return res;
}

}  // namespace sf

// Softmax, cross-entropy and dropout.
#include "autograd/functions.h"

namespace sf {

Variable softmax(const Variable& x, int64_t dim) {
  Tensor y = softmax(x.data(), dim);
  return record("softmax", y, {x}, [y, dim](const Tensor& g) {
    return std::vector<Tensor>{softmax_backward(g, y, dim)};
  });
}

Variable log_softmax(const Variable& x, int64_t dim) {
  Tensor y = log_softmax(x.data(), dim);
  return record("log_softmax", y, {x}, [y, dim](const Tensor& g) {
    return std::vector<Tensor>{log_softmax_backward(g, y, dim)};
  });
}

Variable cross_entropy(const Variable& logits, const Tensor& targets, int64_t ignore_index) {
  const int64_t V = logits.size(-1);
  SF_CHECK(targets.dtype() == DType::i64 || targets.dtype() == DType::i32, "cross_entropy: targets must be int, got ",
           dtype_name(targets.dtype()));
  Shape lead(logits.shape().begin(), logits.shape().end() - 1);
  SF_CHECK(targets.shape() == lead, "cross_entropy: logits ", shape_str(logits.shape()), " need targets of shape ",
           shape_str(lead), ", got ", shape_str(targets.shape()));
  Tensor t = targets.to(DType::i64).reshape({-1, 1});
  Tensor valid = binary(BinaryOp::ne, t, static_cast<double>(ignore_index));  // (N, 1) of 1/0
  Tensor safe_t = where(valid, t, zeros({}, DType::i64));
  for (int64_t v : to_vector<int64_t>(safe_t))
    SF_CHECK(v >= 0 && v < V, "cross_entropy: target ", v, " out of range for ", V, " classes");
  Tensor lsm = log_softmax(logits.data().reshape({-1, V}), -1);
  Tensor validf = valid.to(lsm.dtype());
  double count = sum(validf).item<double>();
  double inv = count > 0 ? 1.0 / count : 0.0;
  Tensor picked = gather(lsm, 1, safe_t) * validf;
  Tensor loss = sum(picked) * (-inv);
  return record("cross_entropy", loss, {logits}, [lsm, safe_t, validf, inv, shape = logits.shape(), V](const Tensor& g) {
    Tensor p = unary(UnaryOp::exp, lsm) - one_hot(safe_t.reshape({-1}), V, lsm.dtype());
    Tensor scale = validf * (g.to(lsm.dtype()) * inv);
    return std::vector<Tensor>{(p * scale).reshape(shape)};
  });
}

Variable dropout(const Variable& x, double p, bool training, RngStream stream) {
  SF_CHECK(p >= 0.0 && p < 1.0, "dropout: p must be in [0, 1), got ", p);
  if (!training || p == 0.0) return x;
  Tensor mask = empty(x.shape(), x.dtype());
  SF_DISPATCH_FLOAT(x.dtype(), "dropout", [&] {
    rng_bernoulli(mask.data<scalar_t>(), mask.numel(), stream, 1.0 - p);
  });
  mask = mask * (1.0 / (1.0 - p));
  return record("dropout", x.data() * mask, {x}, [mask](const Tensor& g) { return std::vector<Tensor>{g * mask}; });
}

}  // namespace sf

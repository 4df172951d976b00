#include "autograd/variable.h"

#include <array>
#include <string_view>

#include "autograd/function.h"
#include "core/ops.h"

namespace sf {
namespace {

thread_local bool g_grad_enabled = true;
thread_local bool g_check_nan = false;

void check_finite(const char* op, const Tensor& t, const char* what) {
  if (!t.defined() || !is_floating(t.dtype()) || all_finite(t)) return;
  throw Error(detail::cat("--check-nan: ", what, " of op '", op, "' holds NaN or Inf (shape ", shape_str(t.shape()),
                          "); everything computed before it was finite"));
}

class LambdaNode final : public Node {
 public:
  LambdaNode(const char* name, BackwardFn fn) : name_(name), fn_(std::move(fn)) {}
  std::vector<Tensor> backward(const Tensor& g) override {
    std::vector<Tensor> grads = fn_(g);
    if (g_check_nan)
      for (const Tensor& t : grads) check_finite(name_, t, "the input gradient from the backward");
    return grads;
  }
  void release() override { fn_ = nullptr; }
  const char* name() const override { return name_; }

 private:
  const char* name_;
  BackwardFn fn_;
};

}  // namespace

bool grad_enabled() { return g_grad_enabled; }
GradModeGuard::GradModeGuard(bool enabled) : prev_(g_grad_enabled) { g_grad_enabled = enabled; }
GradModeGuard::~GradModeGuard() { g_grad_enabled = prev_; }

Variable::Variable(Tensor data, bool requires_grad) : impl_(std::make_shared<VariableImpl>()) {
  impl_->data = std::move(data);
  set_requires_grad(requires_grad);
}

Variable& Variable::set_requires_grad(bool r) {
  SF_CHECK(is_leaf(), "set_requires_grad: only leaf variables can change requires_grad");
  SF_CHECK(!r || is_floating(impl_->data.dtype()), "set_requires_grad: ", dtype_name(impl_->data.dtype()),
           " tensors cannot require gradients");
  impl_->requires_grad = r;
  return *this;
}

void Variable::register_hook(std::function<void(const Tensor&)> hook) const {
  SF_CHECK(requires_grad(), "register_hook: variable does not require grad");
  if (impl_->grad_fn) {
    impl_->grad_fn->hooks.push_back(std::move(hook));
  } else {
    impl_->hooks.push_back(std::move(hook));
  }
}

bool needs_grad(const std::vector<Variable>& inputs) {
  if (!g_grad_enabled) return false;
  for (const auto& v : inputs)
    if (v.requires_grad()) return true;
  return false;
}

void set_check_nan(bool on) { g_check_nan = on; }
bool check_nan() { return g_check_nan; }

namespace {

// One 0-dim zero per dtype, never written: the storage every stand-in below broadcasts, so recording an op
// allocates no tensor memory for it.
const Tensor& zero_scalar(DType dtype) {
  static const std::array<Tensor, 5> zero{zeros({}, DType::f32), zeros({}, DType::f64), zeros({}, DType::bf16),
                                          zeros({}, DType::i32), zeros({}, DType::i64)};  // DType's order
  return zero[static_cast<size_t>(dtype)];
}

}  // namespace

Variable record(const char* name, Tensor out, std::vector<Variable> inputs, BackwardFn backward) {
  if (g_check_nan && std::string_view(name) != "masked_fill") check_finite(name, out, "the output");
  Variable result(std::move(out));
  if (!needs_grad(inputs)) return result;
  auto node = std::make_shared<LambdaNode>(name, std::move(backward));
  // The node keeps what backward routes gradients by, not the inputs' values: a leaf (gradients accumulate
  // into it), and for an intermediate result a stand-in with its node and shape (a 0-dim storage
  // broadcast to the shape). Keeping the values would hold every intermediate tensor of the forward until
  // backward reaches it; the closure has captured what it needs. Inputs that need no gradient are dropped.
  for (Variable& in : inputs) {
    if (!in.requires_grad()) {
      in = Variable();
    } else if (!in.is_leaf()) {
      Variable stand_in(zero_scalar(in.dtype()).expand(in.shape()));
      stand_in.impl()->grad_fn = in.grad_fn();
      stand_in.impl()->requires_grad = true;
      in = std::move(stand_in);
    }
  }
  node->inputs = std::move(inputs);
  result.impl()->grad_fn = std::move(node);
  result.impl()->requires_grad = true;
  return result;
}

}  // namespace sf

#include "autograd/variable.h"

#include "autograd/function.h"
#include "core/ops.h"

namespace sf {
namespace {

thread_local bool g_grad_enabled = true;

class LambdaNode final : public Node {
 public:
  LambdaNode(const char* name, BackwardFn fn) : name_(name), fn_(std::move(fn)) {}
  std::vector<Tensor> backward(const Tensor& g) override { return fn_(g); }
  void release() override { fn_ = nullptr; }
  const char* name() const override { return name_; }

 private:
  const char* name_;
  BackwardFn fn_;
};

}  // namespace

bool grad_enabled() { return g_grad_enabled; }
NoGradGuard::NoGradGuard() : prev_(g_grad_enabled) { g_grad_enabled = false; }
NoGradGuard::~NoGradGuard() { g_grad_enabled = prev_; }

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

Variable record(const char* name, Tensor out, std::vector<Variable> inputs, BackwardFn backward) {
  Variable result(std::move(out));
  if (!needs_grad(inputs)) return result;
  auto node = std::make_shared<LambdaNode>(name, std::move(backward));
  node->inputs = std::move(inputs);
  result.impl()->grad_fn = std::move(node);
  result.impl()->requires_grad = true;
  return result;
}

}  // namespace sf

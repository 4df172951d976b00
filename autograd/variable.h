// Variable: a Tensor that records how it was computed, for reverse-mode differentiation.
//
// Define-by-run: every differentiable op (autograd/functions.h) returns a Variable whose grad_fn
// node holds the op's inputs and what its backward needs. `backward()` walks those nodes in
// reverse topological order and accumulates gradients into the leaves (parameters).
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace sf {

struct Node;

struct VariableImpl {
  Tensor data;
  Tensor grad;  // accumulated gradient (leaves), undefined until the first backward
  std::shared_ptr<Node> grad_fn;
  bool requires_grad = false;
  std::vector<std::function<void(const Tensor&)>> hooks;  // leaves only; a non-leaf's live in its node
};

class Variable {
 public:
  Variable() = default;
  explicit Variable(Tensor data, bool requires_grad = false);

  bool defined() const { return impl_ != nullptr; }
  const Tensor& data() const { return impl_->data; }
  // Mutable access for in-place updates that autograd must not see (optimizer steps, init).
  Tensor& mutable_data() { return impl_->data; }
  const Tensor& grad() const { return impl_->grad; }
  void set_grad(Tensor g) { impl_->grad = std::move(g); }
  void zero_grad() { impl_->grad = Tensor(); }

  bool requires_grad() const { return impl_ && impl_->requires_grad; }
  Variable& set_requires_grad(bool r);  // leaves only
  const std::shared_ptr<Node>& grad_fn() const { return impl_->grad_fn; }
  bool is_leaf() const { return !impl_->grad_fn; }

  // A Variable sharing the data but cut from the graph.
  Variable detach() const { return Variable(impl_->data, false); }

  // Backpropagates from this variable. `grad` defaults to ones for a one-element variable.
  // Without retain_graph the graph's saved tensors are released, so a second call throws.
  void backward(const Tensor& grad = Tensor(), bool retain_graph = false) const;

  // Called with this variable's gradient as soon as backward has computed it (non-leaf: before it
  // flows further; leaf: after accumulation). Per-layer optimizers (MKOR) read output gradients here.
  void register_hook(std::function<void(const Tensor&)> hook) const;

  const Shape& shape() const { return impl_->data.shape(); }
  int64_t dim() const { return impl_->data.dim(); }
  int64_t size(int64_t d) const { return impl_->data.size(d); }
  int64_t numel() const { return impl_->data.numel(); }
  DType dtype() const { return impl_->data.dtype(); }
  Device device() const { return impl_->data.device(); }
  template <class T> T item() const { return impl_->data.item<T>(); }

  bool same(const Variable& other) const { return impl_ == other.impl_; }
  VariableImpl* impl() const { return impl_.get(); }

 private:
  std::shared_ptr<VariableImpl> impl_;
};

// A node of the graph: the op that produced one Variable.
struct Node {
  virtual ~Node() = default;
  // Gradients w.r.t. each input, given the gradient of the output; an undefined Tensor means
  // "no gradient" (input does not require grad).
  virtual std::vector<Tensor> backward(const Tensor& grad_output) = 0;
  // Drops saved tensors once backward has run (unless retain_graph).
  virtual void release() = 0;
  virtual const char* name() const = 0;

  std::vector<Variable> inputs;
  std::vector<std::function<void(const Tensor&)>> hooks;
  bool released = false;
};

// Backpropagates from several outputs at once, each with its gradient (one pass over their joint graph, as
// torch.autograd.backward): for a computation with more than one result, such as a scan step's output and
// state. Outputs that do not require grad, and undefined gradients, are skipped.
void backward(const std::vector<Variable>& outputs, const std::vector<Tensor>& grads, bool retain_graph = false);

// Gradient recording is on by default; NoGradGuard turns it off for its scope (this thread).
// EnableGradGuard turns it back on, for code that records a graph inside a backward pass (checkpoint).
bool grad_enabled();
class GradModeGuard {
 public:
  explicit GradModeGuard(bool enabled);
  ~GradModeGuard();
  GradModeGuard(const GradModeGuard&) = delete;
  GradModeGuard& operator=(const GradModeGuard&) = delete;

 private:
  bool prev_;
};
class NoGradGuard : public GradModeGuard {
 public:
  NoGradGuard() : GradModeGuard(false) {}
};
class EnableGradGuard : public GradModeGuard {
 public:
  EnableGradGuard() : GradModeGuard(true) {}
};

}  // namespace sf

// The backward engine: reverse topological order over the nodes reachable from the root,
// one pass, gradients summed where a variable feeds several ops.
#include <unordered_map>
#include <unordered_set>

#include "autograd/variable.h"
#include "core/ops.h"

namespace sf {
namespace {

// Nodes in an order where every node comes before the nodes that produced its inputs. Owning
// pointers: releasing a node's inputs during backward must not free nodes still to be visited.
std::vector<std::shared_ptr<Node>> topological_order(const std::shared_ptr<Node>& root) {
  std::vector<std::shared_ptr<Node>> post;
  std::unordered_set<Node*> seen{root.get()};
  std::vector<std::pair<std::shared_ptr<Node>, size_t>> stack{{root, 0}};
  while (!stack.empty()) {  // iterative DFS: RNN graphs are thousands of nodes deep
    auto& [node, next] = stack.back();
    if (next < node->inputs.size()) {
      const Variable& in = node->inputs[next++];
      if (in.defined() && in.grad_fn() && seen.insert(in.grad_fn().get()).second)
        stack.emplace_back(in.grad_fn(), 0);
    } else {
      post.push_back(node);
      stack.pop_back();
    }
  }
  return {post.rbegin(), post.rend()};
}

// Leaf gradients must own their storage: an op's backward may pass the same tensor to two inputs.
Tensor owned(const Tensor& g) { return g.storage().use_count() > 1 ? g.clone() : g.contiguous(); }

void accumulate_leaf(VariableImpl* leaf, const Tensor& g) {
  SF_CHECK(g.shape() == leaf->data.shape(), "backward: gradient of shape ", shape_str(g.shape()),
           " for a leaf of shape ", shape_str(leaf->data.shape()));
  if (leaf->grad.defined()) {
    axpy_(leaf->grad, g, 1.0);
  } else {
    leaf->grad = owned(g);
  }
  for (auto& hook : leaf->hooks) hook(leaf->grad);
}

}  // namespace

void Variable::backward(const Tensor& grad, bool retain_graph) const {
  SF_CHECK(defined() && requires_grad(), "backward: the variable does not require grad");
  Tensor g = grad;
  if (!g.defined()) {
    SF_CHECK(numel() == 1, "backward: gradient must be given for a non-scalar output of shape ",
             shape_str(shape()));
    g = ones(shape(), dtype(), device());
  }
  SF_CHECK(g.shape() == shape(), "backward: gradient shape ", shape_str(g.shape()), " != output shape ",
           shape_str(shape()));
  if (is_leaf()) {
    accumulate_leaf(impl_.get(), g);
    return;
  }
  NoGradGuard no_grad;  // backward closures compute with Tensors; nothing they do is recorded
  std::unordered_map<Node*, Tensor> grads{{impl_->grad_fn.get(), g}};
  for (const auto& owner : topological_order(impl_->grad_fn)) {
    Node* node = owner.get();
    auto it = grads.find(node);
    if (it == grads.end()) continue;  // no gradient reached this node
    Tensor gout = std::move(it->second);
    grads.erase(it);
    SF_CHECK(!node->released, "backward: the graph through '", node->name(),
             "' was already freed; pass retain_graph=true to backward twice");
    for (auto& hook : node->hooks) hook(gout);
    std::vector<Tensor> gin = node->backward(gout);
    SF_CHECK(gin.size() == node->inputs.size(), "backward of '", node->name(), "' returned ", gin.size(),
             " gradients for ", node->inputs.size(), " inputs");
    for (size_t i = 0; i < gin.size(); ++i) {
      const Variable& in = node->inputs[i];
      if (!gin[i].defined() || !in.requires_grad()) continue;
      SF_CHECK(gin[i].shape() == in.shape(), "backward of '", node->name(), "': gradient ", i, " has shape ",
               shape_str(gin[i].shape()), ", input has ", shape_str(in.shape()));
      if (in.is_leaf()) {
        accumulate_leaf(in.impl(), gin[i]);
      } else {
        auto [slot, fresh] = grads.try_emplace(in.grad_fn().get(), gin[i]);
        if (!fresh) slot->second = add(slot->second, gin[i]);
      }
    }
    if (!retain_graph) {
      node->release();
      node->released = true;
      node->inputs.clear();
    }
  }
}

}  // namespace sf

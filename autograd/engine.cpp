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
std::vector<std::shared_ptr<Node>> topological_order(const std::vector<std::shared_ptr<Node>>& roots) {
  std::vector<std::shared_ptr<Node>> post;
  std::unordered_set<Node*> seen;
  for (const auto& root : roots) {
    if (!seen.insert(root.get()).second) continue;
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
  sf::backward({*this}, {g}, retain_graph);
}

void backward(const std::vector<Variable>& outputs, const std::vector<Tensor>& grads, bool retain_graph) {
  SF_CHECK(outputs.size() == grads.size(), "backward: ", outputs.size(), " outputs but ", grads.size(), " gradients");
  std::unordered_map<Node*, Tensor> grads_of;  // gradient reaching each node's output so far
  std::vector<std::shared_ptr<Node>> roots;
  for (size_t i = 0; i < outputs.size(); ++i) {
    const Variable& out = outputs[i];
    if (!out.requires_grad() || !grads[i].defined()) continue;
    SF_CHECK(grads[i].shape() == out.shape(), "backward: gradient shape ", shape_str(grads[i].shape()),
             " != output shape ", shape_str(out.shape()));
    if (out.is_leaf()) {
      accumulate_leaf(out.impl(), grads[i]);
      continue;
    }
    auto [slot, fresh] = grads_of.try_emplace(out.grad_fn().get(), grads[i]);
    if (!fresh) slot->second = add(slot->second, grads[i]);
    roots.push_back(out.grad_fn());
  }
  NoGradGuard no_grad;  // backward closures compute with Tensors; nothing they do is recorded
  for (const auto& owner : topological_order(roots)) {
    Node* node = owner.get();
    auto it = grads_of.find(node);
    if (it == grads_of.end()) continue;  // no gradient reached this node
    Tensor gout = std::move(it->second);
    grads_of.erase(it);
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
        auto [slot, fresh] = grads_of.try_emplace(in.grad_fn().get(), gin[i]);
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

#include "autograd/checkpoint.h"

namespace sf {

Variable checkpoint(const char* name, CheckpointFn fn, const std::vector<Variable>& inputs) {
  Tensor out;
  {
    NoGradGuard no_grad;
    out = fn(inputs).data();
  }
  if (!needs_grad(inputs)) return Variable(out);
  std::vector<Tensor> saved;
  std::vector<bool> wants;
  for (const Variable& in : inputs) {
    saved.push_back(in.defined() ? in.data() : Tensor());
    wants.push_back(in.requires_grad());
  }
  return record(name, out, inputs, [fn = std::move(fn), saved, wants](const Tensor& g) {
    EnableGradGuard recording;
    std::vector<Variable> leaves;  // fresh leaves: the recomputed graph's gradients land here, not in parameters
    for (size_t i = 0; i < saved.size(); ++i)
      leaves.push_back(saved[i].defined() ? Variable(saved[i], wants[i]) : Variable());
    const Variable y = fn(leaves);
    if (y.requires_grad()) y.backward(g);
    std::vector<Tensor> grads;
    for (size_t i = 0; i < leaves.size(); ++i) grads.push_back(wants[i] ? leaves[i].grad() : Tensor());
    return grads;
  });
}

}  // namespace sf

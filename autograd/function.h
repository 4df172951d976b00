// Recording an op in the graph. This is also the custom-function API for fused ops: compute the
// forward with Tensor kernels, then hand `record` the output, the inputs and a closure that maps the
// output gradient to one gradient per input (capturing only what backward needs).
//
//   Variable my_op(const Variable& x) {
//     Tensor y = fused_forward(x.data());
//     return record("my_op", y, {x}, [x = x.data(), y](const Tensor& g) {
//       return std::vector<Tensor>{fused_backward(g, x, y)};
//     });
//   }
#pragma once
#include <functional>
#include <vector>

#include "autograd/variable.h"

namespace sf {

using BackwardFn = std::function<std::vector<Tensor>(const Tensor& grad_output)>;

// Returns `out` as a Variable. When grad mode is on and an input requires grad, the Variable gets a
// node that runs `backward`; otherwise the closure is dropped at once.
Variable record(const char* name, Tensor out, std::vector<Variable> inputs, BackwardFn backward);

// --check-nan: while on (a per-thread flag), record() checks every op's output and every backward's
// input gradients, and the first NaN/Inf is an sf::Error naming the op. Off, the cost is one flag test.
// masked_fill's output is exempt: it writes -inf masks on purpose.
void set_check_nan(bool on);
bool check_nan();

// True when recording `inputs` would create a node (lets ops skip saving tensors otherwise).
bool needs_grad(const std::vector<Variable>& inputs);

}  // namespace sf

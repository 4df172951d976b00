// ParamHint: optimizer settings a layer asks for some of its parameters, as the reference implementations
// set them (M2's implicit filter: lr 1e-3 and weight decay 0.1; its positional features lr 1e-5). The
// optimizer's grouping (optim/optimizer.h, make_param_groups) honours them, so no layer is a special case
// in an optimizer. A hint's lr is a peak learning rate: the schedule scales it as it scales optim.lr (a
// PyTorch parameter group with its own lr under a LambdaLR).
#pragma once
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sf {

struct ParamHint {
  std::optional<double> lr;            // peak learning rate; unset = optim.lr
  std::optional<double> weight_decay;  // decoupled weight decay whatever the tensor's rank; unset = the rule's
  bool operator==(const ParamHint&) const = default;
};

// Hinted parameters by dotted name (Module::parameter_hints()).
using ParamHints = std::vector<std::pair<std::string, ParamHint>>;

}  // namespace sf

// Builds the optimizer a recipe's optim: section names.
#pragma once
#include <memory>

#include "config/run_config.h"
#include "optim/optimizer.h"

namespace sf {

// Groups the parameters with make_param_groups(named_params, config.weight_decay), then AdamW
// (beta1, beta2, eps) or SGD (momentum, nesterov; its weight decay is coupled L2).
std::unique_ptr<Optimizer> make_optimizer(const OptimConfig& config, const NamedParameters& named_params);

}  // namespace sf

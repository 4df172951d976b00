// Builds the optimizer a recipe's optim: section names.
#pragma once
#include <memory>

#include "config/run_config.h"
#include "optim/optimizer.h"

namespace sf {

// Groups the parameters with make_param_groups (optim.weight_decay, optim.decay_all, the layers' `hints`
// against optim.lr), then AdamW (beta1, beta2, eps), SGD (momentum, nesterov; its weight decay is
// coupled L2) or MeZO (optim.mezo.eps, fused_update; the training step reads the rest of optim.mezo).
std::unique_ptr<Optimizer> make_optimizer(const OptimConfig& config, const NamedParameters& named_params,
                                          const ParamHints& hints = {});

}  // namespace sf

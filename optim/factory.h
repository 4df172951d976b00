// Builds the optimizer a recipe's optim: section names.
#pragma once
#include <memory>

#include "config/run_config.h"
#include "layers/module.h"
#include "optim/optimizer.h"

namespace sf {

// Groups the parameters with make_param_groups (optim.weight_decay, optim.decay_all, the layers' `hints`
// against optim.lr), then AdamW (beta1, beta2, eps), SGD (momentum, nesterov; its weight decay is
// coupled L2), MeZO (optim.mezo.eps, fused_update; the training step reads the rest of optim.mezo) or LAMB
// (beta1, beta2, eps, optim.lamb). MKOR needs the model: use the overload below.
std::unique_ptr<Optimizer> make_optimizer(const OptimConfig& config, const NamedParameters& named_params,
                                          const ParamHints& hints = {});

// As above for the model's parameters and hints; optim.name: mkor wraps the backbone optim.mkor.backbone
// (built from the same keys) around the model's Linear layers. `grad_accum` micro-batches make up a
// step (MKOR's gradient statistics undo the 1/grad_accum of the backward pass). A SequenceModel's
// vocabulary-sized layers are left to the backbone.
std::unique_ptr<Optimizer> make_optimizer(const OptimConfig& config, const std::shared_ptr<Module>& model,
                                          int64_t grad_accum = 1);

}  // namespace sf

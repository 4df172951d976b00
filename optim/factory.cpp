#include "optim/factory.h"

#include "optim/adamw.h"
#include "optim/mezo.h"
#include "optim/sgd.h"

namespace sf {

std::unique_ptr<Optimizer> make_optimizer(const OptimConfig& config, const NamedParameters& named_params,
                                          const ParamHints& hints) {
  std::vector<ParamGroup> groups =
      make_param_groups(named_params, GroupingRule{config.weight_decay, config.decay_all, config.lr, hints});
  SF_CHECK(!groups.empty(), "make_optimizer: the model has no trainable parameters");
  switch (config.name) {
    case OptimizerKind::adamw:
      return std::make_unique<AdamW>(std::move(groups), AdamWOptions{config.beta1, config.beta2, config.eps});
    case OptimizerKind::sgd:
      return std::make_unique<Sgd>(std::move(groups), SgdOptions{config.momentum, config.nesterov});
    case OptimizerKind::mezo:
      return std::make_unique<Mezo>(std::move(groups), MezoOptions{config.mezo.eps, config.mezo.fused_update});
  }
  throw Error("make_optimizer: unknown optimizer kind");
}

}  // namespace sf

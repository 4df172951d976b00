#include "optim/factory.h"

#include "layers/sequence_model.h"
#include "optim/adamw.h"
#include "optim/mezo.h"
#include "optim/lamb.h"
#include "optim/mkor.h"
#include "optim/sgd.h"

namespace sf {
namespace {

std::vector<ParamGroup> groups_of(const OptimConfig& config, const NamedParameters& named_params,
                                  const ParamHints& hints) {
  std::vector<ParamGroup> groups =
      make_param_groups(named_params, GroupingRule{config.weight_decay, config.decay_all, config.lr, hints});
  SF_CHECK(!groups.empty(), "make_optimizer: the model has no trainable parameters");
  return groups;
}

std::unique_ptr<Optimizer> first_order(OptimizerKind kind, const OptimConfig& config, std::vector<ParamGroup> groups) {
  switch (kind) {
    case OptimizerKind::adamw:
      return std::make_unique<AdamW>(std::move(groups), AdamWOptions{config.beta1, config.beta2, config.eps});
    case OptimizerKind::sgd:
      return std::make_unique<Sgd>(std::move(groups), SgdOptions{config.momentum, config.nesterov});
    case OptimizerKind::mezo:
      return std::make_unique<Mezo>(std::move(groups), MezoOptions{config.mezo.eps, config.mezo.fused_update});
    case OptimizerKind::lamb:
      return std::make_unique<Lamb>(std::move(groups), LambOptions{config.beta1, config.beta2, config.eps,
                                                                   config.lamb.clamp_weight_norm,
                                                                   config.lamb.trust_all});
    case OptimizerKind::mkor:
      throw Error("make_optimizer: optim.name: mkor needs the model (make_optimizer(config, model, grad_accum))");
  }
  throw Error("make_optimizer: unknown optimizer kind");
}

OptimizerKind backbone_kind(MkorBackbone b) {
  switch (b) {
    case MkorBackbone::sgd: return OptimizerKind::sgd;
    case MkorBackbone::adamw: return OptimizerKind::adamw;
    case MkorBackbone::lamb: return OptimizerKind::lamb;
  }
  throw Error("make_optimizer: unknown optim.mkor.backbone");
}

}  // namespace

std::unique_ptr<Optimizer> make_optimizer(const OptimConfig& config, const NamedParameters& named_params,
                                          const ParamHints& hints) {
  return first_order(config.name, config, groups_of(config, named_params, hints));
}

std::unique_ptr<Optimizer> make_optimizer(const OptimConfig& config, const std::shared_ptr<Module>& model,
                                          int64_t grad_accum) {
  SF_CHECK(model != nullptr, "make_optimizer: no model");
  std::vector<ParamGroup> groups = groups_of(config, model->named_parameters(), model->parameter_hints());
  if (config.name != OptimizerKind::mkor) return first_order(config.name, config, std::move(groups));
  const auto* lm = dynamic_cast<const SequenceModel*>(model.get());
  std::unique_ptr<Optimizer> backbone = first_order(backbone_kind(config.mkor.backbone), config, groups);
  return std::make_unique<Mkor>(std::move(groups), std::move(backbone), model,
                                mkor_options(config.mkor, grad_accum, lm ? lm->config().vocab_size : 0));
}

}  // namespace sf

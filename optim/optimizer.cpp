#include "optim/optimizer.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <unordered_map>
#include <unordered_set>

namespace sf {

std::vector<ParamGroup> make_param_groups(const NamedParameters& named_params, const GroupingRule& rule) {
  SF_CHECK(std::isfinite(rule.lr) && rule.lr > 0, "make_param_groups: the learning rate ", rule.lr, " must be > 0");
  std::unordered_map<std::string, ParamHint> hints(rule.hints.begin(), rule.hints.end());
  std::unordered_set<std::string> names;
  for (const auto& np : named_params) names.insert(np.first);
  for (const auto& [name, hint] : rule.hints)
    SF_CHECK(names.count(name), "make_param_groups: a layer hints parameter '", name, "', which is not among the parameters");
  // [0] decays, [1] does not, then one group per other (weight decay, lr scale) pair that hints ask for.
  std::vector<ParamGroup> groups{{{}, {}, rule.weight_decay, 1.0}, {{}, {}, 0.0, 1.0}};
  std::unordered_set<const VariableImpl*> seen;
  for (const auto& [name, p] : named_params) {
    SF_CHECK(p.defined(), "make_param_groups: parameter '", name, "' is undefined");
    if (!p.requires_grad() || !seen.insert(p.impl()).second) continue;
    const bool decays = rule.decay_all || p.dim() >= 2;
    ParamGroup* g = &groups[decays ? 0 : 1];
    if (const auto hint = hints.find(name); hint != hints.end()) {
      const double decay = hint->second.weight_decay.value_or(g->weight_decay);
      const double scale = hint->second.lr ? *hint->second.lr / rule.lr : 1.0;
      const auto same = [&](const ParamGroup& h) { return h.weight_decay == decay && h.lr_scale == scale; };
      const auto it = std::find_if(groups.begin(), groups.end(), same);
      g = it != groups.end() ? &*it : &groups.emplace_back(ParamGroup{{}, {}, decay, scale});
    }
    g->names.push_back(name);
    g->params.push_back(p);
  }
  std::erase_if(groups, [](const ParamGroup& g) { return g.params.empty(); });
  return groups;
}

Optimizer::Optimizer(std::vector<ParamGroup> groups) : groups_(std::move(groups)) {
  std::unordered_map<std::string, size_t> by_name;
  std::unordered_map<const Storage*, size_t> by_storage;
  for (size_t gi = 0; gi < groups_.size(); ++gi) {
    const ParamGroup& g = groups_[gi];
    SF_CHECK(g.names.size() == g.params.size(), "optimizer: parameter group ", gi, " has ", g.names.size(),
             " names for ", g.params.size(), " parameters");
    SF_CHECK(std::isfinite(g.weight_decay) && g.weight_decay >= 0, "optimizer: parameter group ", gi,
             " has weight_decay ", g.weight_decay, "; it must be >= 0");
    SF_CHECK(std::isfinite(g.lr_scale) && g.lr_scale >= 0, "optimizer: parameter group ", gi, " has lr_scale ",
             g.lr_scale, "; it must be >= 0");
    for (size_t j = 0; j < g.params.size(); ++j) {
      const std::string& name = g.names[j];
      const Variable& p = g.params[j];
      SF_CHECK(p.defined(), "optimizer: parameter '", name, "' is undefined");
      SF_CHECK(p.requires_grad(), "optimizer: parameter '", name,
               "' does not require grad (frozen tensors get no optimizer state)");
      SF_CHECK(p.dtype() == DType::f32 || p.dtype() == DType::f64, "optimizer: parameter '", name, "' is ",
               dtype_name(p.dtype()), "; optimizers update float32 or float64 master weights");
      SF_CHECK(p.device().is_cpu(), "optimizer: parameter '", name, "' is on ", p.device().str(),
               "; the optimizer steps run on the CPU only");
      SF_CHECK(p.data().is_contiguous(), "optimizer: parameter '", name, "' is not contiguous");
      auto [it, fresh] = by_name.emplace(name, params_.size());
      SF_CHECK(fresh, "optimizer: parameter name '", name, "' appears twice");
      auto [st, fresh_storage] = by_storage.emplace(p.data().storage().get(), params_.size());
      SF_CHECK(fresh_storage, "optimizer: parameter '", name, "' shares its storage with '", names_[st->second],
               "'; list a tied tensor once");
      params_.push_back(p);
      names_.push_back(name);
      group_index_.push_back(gi);
    }
  }
}

std::vector<Variable> Optimizer::params() const { return params_; }

void Optimizer::zero_grad() {
  for (Variable& p : params_) p.zero_grad();
}

size_t Optimizer::add_state_buffer(const std::string& kind) {
  std::vector<Tensor> per_param;
  per_param.reserve(params_.size());
  for (const Variable& p : params_) per_param.push_back(zeros_like(p.data()));
  buffer_kinds_.push_back(kind);
  buffers_.push_back(std::move(per_param));
  return buffers_.size() - 1;
}

Tensor Optimizer::checked_grad(size_t i) const {
  const Variable& p = params_[i];
  const std::string& name = names_[i];
  SF_CHECK(p.data().is_contiguous(), name_prefix(), "parameter '", name, "' is no longer contiguous");
  for (size_t k = 0; k < buffers_.size(); ++k) {
    const Tensor& b = buffers_[k][i];
    SF_CHECK(b.shape() == p.shape() && b.dtype() == p.dtype(), name_prefix(), "parameter '", name, "' is now ",
             dtype_name(p.dtype()), " ", shape_str(p.shape()), " but its ", buffer_kinds_[k], " state is ",
             dtype_name(b.dtype()), " ", shape_str(b.shape()));
  }
  const Tensor& g = p.grad();
  if (!g.defined()) return g;
  SF_CHECK(g.shape() == p.shape(), name_prefix(), "gradient of '", name, "' has shape ", shape_str(g.shape()),
           ", the parameter ", shape_str(p.shape()));
  SF_CHECK(g.dtype() == p.dtype(), name_prefix(), "gradient of '", name, "' is ", dtype_name(g.dtype()),
           ", the parameter ", dtype_name(p.dtype()));
  SF_CHECK(g.device() == p.device(), name_prefix(), "gradient of '", name, "' is on ", g.device().str(),
           ", the parameter on ", p.device().str());
  return g.contiguous();
}

void Optimizer::check_lr(double lr) const {
  SF_CHECK(std::isfinite(lr) && lr >= 0, name_prefix(), "learning rate ", lr, " must be finite and >= 0");
}

std::string Optimizer::name_prefix() const { return std::string(name()) + ": "; }

NamedTensors Optimizer::state_tensors() const {
  NamedTensors out;
  for (size_t k = 0; k < buffers_.size(); ++k)
    for (size_t i = 0; i < params_.size(); ++i) out.emplace_back(buffer_kinds_[k] + "/" + names_[i], buffers_[k][i]);
  out.emplace_back("step", scalar_tensor(static_cast<double>(steps_), DType::i64));
  return out;
}

void Optimizer::load_state_tensors(const NamedTensors& state) {
  std::map<std::string, const Tensor*> given;
  for (const auto& [name, t] : state) {
    SF_CHECK(given.emplace(name, &t).second, name_prefix(), "state '", name, "' is given twice");
    SF_CHECK(t.defined(), name_prefix(), "state '", name, "' is undefined");
  }
  auto take = [&](const std::string& name) -> const Tensor& {
    auto it = given.find(name);
    SF_CHECK(it != given.end(), name_prefix(), "state '", name, "' is missing");
    const Tensor& t = *it->second;
    given.erase(it);
    return t;
  };
  // Check everything before changing anything.
  std::vector<std::pair<Tensor*, const Tensor*>> copies;
  for (size_t k = 0; k < buffers_.size(); ++k) {
    for (size_t i = 0; i < params_.size(); ++i) {
      std::string name = buffer_kinds_[k] + "/" + names_[i];
      const Tensor& src = take(name);
      Tensor& dst = buffers_[k][i];
      SF_CHECK(src.shape() == dst.shape(), name_prefix(), "state '", name, "' has shape ", shape_str(src.shape()),
               " but the parameter has shape ", shape_str(dst.shape()));
      SF_CHECK(is_floating(src.dtype()), name_prefix(), "state '", name, "' is ", dtype_name(src.dtype()),
               ", not a floating type");
      copies.emplace_back(&dst, &src);
    }
  }
  const Tensor& step = take("step");
  SF_CHECK(step.numel() == 1, name_prefix(), "state 'step' has shape ", shape_str(step.shape()),
           "; it must hold one number");
  double step_value = step.to(DType::f64).item<double>();
  SF_CHECK(step_value >= 0 && step_value == std::floor(step_value), name_prefix(), "state 'step' is ", step_value,
           "; it must be a count >= 0");
  SF_CHECK(given.empty(), name_prefix(), "state '", given.begin()->first, "' does not belong to this optimizer",
           " (", given.size(), " unknown name(s))");
  for (auto& [dst, src] : copies) dst->copy_(*src);
  steps_ = static_cast<int64_t>(step_value);
}

}  // namespace sf

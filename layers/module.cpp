#include "layers/module.h"

#include <algorithm>
#include <atomic>
#include <iomanip>
#include <ostream>
#include <unordered_map>

#include "autograd/function.h"
#include "core/hash.h"
#include "core/ops.h"
#include "core/rng.h"

namespace sf {
namespace {

std::string join(const std::string& prefix, const std::string& name) {
  return prefix.empty() ? name : prefix + "." + name;
}

// Draws the values on the host in the parameter's dtype, then copies them to its device.
void fill(Tensor& t, const Init& init, RngStream stream) {
  switch (init.kind) {
    case Init::Kind::zeros: t.fill_(0.0); return;
    case Init::Kind::ones: t.fill_(1.0); return;
    case Init::Kind::normal:
    case Init::Kind::uniform: break;
    case Init::Kind::custom: {
      Tensor host = empty(t.shape(), DType::f64);
      init.fill(host, stream);
      t.copy_(host);
      return;
    }
  }
  Tensor host = empty(t.shape(), t.dtype());
  SF_DISPATCH_FLOAT(t.dtype(), "init_parameters", [&] {
    scalar_t* out = host.data<scalar_t>();
    if (init.kind == Init::Kind::normal) {
      rng_normal(out, host.numel(), stream, 0, 0.0, init.scale);
    } else {
      rng_uniform(out, host.numel(), stream, 0, static_cast<scalar_t>(-init.scale),
                  static_cast<scalar_t>(init.scale));
    }
  });
  t.copy_(host);
}

}  // namespace

void Module::check_new_name(const std::string& name) const {
  SF_CHECK(!name.empty() && name.find('.') == std::string::npos, "Module: name '", name,
           "' must be non-empty and contain no '.' (dots separate the levels of a parameter path)");
  for (const auto& e : entries_) SF_CHECK(e.name != name, "Module: '", name, "' is registered twice");
}

Variable Module::register_parameter(const std::string& name, const Shape& shape, Init init, DType dtype,
                                    std::optional<ParamHint> hint) {
  check_new_name(name);
  SF_CHECK(is_floating(dtype), "Module: parameter '", name, "' needs a floating dtype, got ", dtype_name(dtype));
  Variable p(zeros(shape, dtype), true);
  entries_.push_back({name, p, init, nullptr, std::move(hint)});
  return p;
}

void Module::add_child(const std::string& name, std::shared_ptr<Module> module) {
  check_new_name(name);
  SF_CHECK(module != nullptr, "Module: child '", name, "' is null");
  entries_.push_back({name, Variable(), Init{}, std::move(module), std::nullopt});
}

void Module::collect_parameters(const std::string& prefix, const std::optional<ParamHint>& inherited,
                                std::vector<Slot>& out, std::unordered_set<const VariableImpl*>& seen) const {
  const std::optional<ParamHint>& hint = hint_ ? hint_ : inherited;
  for (const auto& e : entries_) {
    if (e.child) {
      e.child->collect_parameters(join(prefix, e.name), hint, out, seen);
    } else if (seen.insert(e.parameter.impl()).second) {
      out.push_back({join(prefix, e.name), e.parameter, e.init, e.hint ? e.hint : hint});
    }
  }
}

std::vector<Module::Slot> Module::parameter_slots() const {
  std::vector<Slot> out;
  std::unordered_set<const VariableImpl*> seen;
  collect_parameters("", std::nullopt, out, seen);
  return out;
}

std::vector<NamedParameter> Module::named_parameters() const {
  std::vector<NamedParameter> out;
  for (auto& s : parameter_slots()) out.emplace_back(std::move(s.name), std::move(s.parameter));
  return out;
}

ParamHints Module::parameter_hints() const {
  ParamHints out;
  for (auto& s : parameter_slots())
    if (s.hint) out.emplace_back(std::move(s.name), *s.hint);
  return out;
}

std::vector<Variable> Module::parameters() const {
  std::vector<Variable> out;
  for (auto& s : parameter_slots()) out.push_back(std::move(s.parameter));
  return out;
}

int64_t Module::num_parameters() const {
  int64_t n = 0;
  for (const auto& s : parameter_slots()) n += s.parameter.numel();
  return n;
}

void Module::collect_modules(const std::string& prefix, std::vector<std::pair<std::string, Module*>>& out,
                             std::unordered_set<const Module*>& seen) {
  if (!seen.insert(this).second) return;
  out.emplace_back(prefix, this);
  for (const auto& e : entries_)
    if (e.child) e.child->collect_modules(join(prefix, e.name), out, seen);
}

std::vector<std::pair<std::string, Module*>> Module::named_modules() {
  std::vector<std::pair<std::string, Module*>> out;
  std::unordered_set<const Module*> seen;
  collect_modules("", out, seen);
  return out;
}

void Module::train(bool on) {
  for (auto& [path, m] : named_modules()) {
    if (m->training_ == on) continue;
    m->training_ = on;
    m->on_mode_change(on);
  }
}

void move_to_device(Tensor& t, Device device) {
  if (t.defined()) t = t.to(device);
}

void move_to_device(Variable& v, Device device) {
  if (v.defined()) v.mutable_data() = v.data().to(device);
}

void Module::to(Device device) {
  std::vector<Variable> params = parameters();
  std::vector<std::pair<Tensor, Tensor>> moved;  // value, gradient
  moved.reserve(params.size());
  for (const Variable& p : params)
    moved.emplace_back(p.data().to(device), p.grad().defined() ? p.grad().to(device) : Tensor());
  for (size_t i = 0; i < params.size(); ++i) {
    params[i].mutable_data() = std::move(moved[i].first);
    params[i].set_grad(std::move(moved[i].second));
  }
  for (auto& named : named_modules()) named.second->on_device_change(device);
}

Device Module::device() const {
  const std::vector<Variable> params = parameters();
  return params.empty() ? Device::cpu() : params.front().data().device();
}

namespace {
std::atomic<int64_t> next_hook_id{1};  // ids are unique process-wide, so one module never removes another's
}  // namespace

int64_t Module::add_forward_hook(ForwardHook hook) {
  SF_CHECK(hook != nullptr, "Module: add_forward_hook got an empty function");
  forward_hooks_.emplace_back(next_hook_id++, std::move(hook));
  return forward_hooks_.back().first;
}

int64_t Module::add_backward_hook(BackwardHook hook) {
  SF_CHECK(hook != nullptr, "Module: add_backward_hook got an empty function");
  backward_hooks_.emplace_back(next_hook_id++, std::move(hook));
  return backward_hooks_.back().first;
}

void Module::remove_hook(int64_t id) {
  auto drop = [id](auto& hooks) {
    auto it = std::find_if(hooks.begin(), hooks.end(), [id](const auto& h) { return h.first == id; });
    if (it == hooks.end()) return false;
    hooks.erase(it);
    return true;
  };
  SF_CHECK(drop(forward_hooks_) || drop(backward_hooks_), "Module: no hook with id ", id, " on this module");
}

void Module::remove_module(const std::string& name) {
  auto it = std::find_if(entries_.begin(), entries_.end(), [&](const Entry& e) { return e.child && e.name == name; });
  SF_CHECK(it != entries_.end(), "Module: no child module '", name, "' to remove");
  entries_.erase(it);
}

Variable Module::run_hooks(const Variable& input, Variable output) const {
  for (const auto& [id, hook] : forward_hooks_) output = hook(input, output);
  if (backward_hooks_.empty() || !needs_grad({output})) return output;
  std::vector<BackwardHook> hooks;  // the hooks of this forward, even if one is removed before backward
  for (const auto& [id, hook] : backward_hooks_) hooks.push_back(hook);
  return record("backward_hook", output.data(), {output}, [hooks = std::move(hooks)](const Tensor& g) {
    for (const BackwardHook& h : hooks) h(g);
    return std::vector<Tensor>{g};
  });
}

void Module::init_parameters(uint64_t seed) {
  for (auto& s : parameter_slots())
    fill(s.parameter.mutable_data(), s.init, RngStream{mix(seed, fnv1a(s.name)), 0, kTagInit});
}

void Module::set_rng_step(uint64_t seed, int64_t step) {
  const uint64_t step_seed = mix(seed, static_cast<uint64_t>(step));
  for (auto& [path, m] : named_modules()) {
    m->rng_seed_ = mix(step_seed, fnv1a(path));
    m->rng_draws_ = 0;
    m->rng_seeded_ = true;
  }
}

RngStream Module::next_rng_stream(RngTag tag) {
  SF_CHECK(rng_seeded_, "Module: a stochastic layer (dropout) ran in training mode before set_rng_step(seed, step) "
                        "seeded the model's random streams");
  return RngStream{rng_seed_, rng_draws_++, tag};
}

StateDict Module::state_dict() const {
  StateDict out;
  for (auto& s : parameter_slots()) out.emplace_back(std::move(s.name), s.parameter.data());
  return out;
}

void Module::load_state_dict(const StateDict& state, bool strict) {
  std::unordered_map<std::string, const Tensor*> given;
  for (const auto& [name, t] : state) {
    SF_CHECK(given.emplace(name, &t).second, "load_state_dict: '", name, "' appears twice in the state dict");
  }
  std::vector<std::pair<Variable, const Tensor*>> copies;
  std::unordered_set<std::string> known;
  for (auto& s : parameter_slots()) {
    known.insert(s.name);
    auto it = given.find(s.name);
    if (it == given.end()) {
      SF_CHECK(!strict, "load_state_dict: parameter '", s.name, "' ", shape_str(s.parameter.shape()),
               " is missing from the state dict");
      continue;
    }
    const Tensor& src = *it->second;
    SF_CHECK(src.shape() == s.parameter.shape(), "load_state_dict: parameter '", s.name, "' has shape ",
             shape_str(s.parameter.shape()), " in the model but ", shape_str(src.shape()), " in the state dict");
    SF_CHECK(is_floating(src.dtype()), "load_state_dict: parameter '", s.name, "' is ", dtype_name(src.dtype()),
             " in the state dict; expected a floating dtype");
    copies.emplace_back(s.parameter, &src);
  }
  if (strict) {
    for (const auto& [name, t] : state)
      SF_CHECK(known.count(name), "load_state_dict: the state dict holds '", name, "' ", shape_str(t.shape()),
               ", which the model does not have");
  }
  for (auto& [p, src] : copies) p.mutable_data().copy_(*src);
}

std::vector<ParameterCount> Module::parameter_summary() const {
  std::vector<ParameterCount> rows;
  // named_modules() needs a mutable tree only to hand out mutable pointers; nothing is changed here.
  auto modules = const_cast<Module*>(this)->named_modules();
  for (const auto& [path, m] : modules) {
    if (path.empty()) continue;
    int depth = 1;
    for (char c : path) depth += c == '.';
    rows.push_back({path, depth, m->num_parameters()});
  }
  return rows;
}

void Module::print_parameter_summary(std::ostream& out) const {
  for (const auto& row : parameter_summary())
    out << std::string(2 * row.depth, ' ') << std::left << std::setw(40 - 2 * row.depth) << row.path << std::right
        << std::setw(12) << row.count << "\n";
}

}  // namespace sf

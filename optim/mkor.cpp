#include "optim/mkor.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <map>

#include "core/ops.h"
#include "optim/mkor_factors.h"

namespace sf {
namespace {

constexpr double kLossEmaBeta = 0.98;
constexpr size_t kCounters = 8;

// Adds clamp(row, ±c) of every row of x (rows × width, any float dtype) to sum[0..width); returns rows.
int64_t add_clamped_rows(const Tensor& x, int64_t width, double scale, double c, std::vector<double>& sum) {
  const Tensor d = x.to(DType::f64).contiguous();
  const double* p = d.data<double>();
  const int64_t rows = d.numel() / width;
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < width; ++j) sum[static_cast<size_t>(j)] += std::clamp(p[r * width + j] * scale, -c, c);
  return rows;
}

// Σ x² over a contiguous float tensor, accumulated in float64.
template <class T>
double squared_sum(const Tensor& t) {
  const Tensor c = t.contiguous();
  const T* p = c.data<T>();
  double s = 0;
  for (int64_t k = 0; k < c.numel(); ++k) s += static_cast<double>(p[k]) * static_cast<double>(p[k]);
  return s;
}

// (‖Ĝ_W‖², ‖Ĝ_b‖²) of the joined d_out × width matrix whose last column is the bias's when `bias`.
template <class T>
std::pair<double, double> split_squared_sums(const Tensor& g_hat, int64_t d_out, int64_t d_in, bool bias) {
  const T* p = g_hat.data<T>();
  const int64_t width = d_in + (bias ? 1 : 0);
  double w = 0, b = 0;
  for (int64_t i = 0; i < d_out; ++i) {
    for (int64_t j = 0; j < d_in; ++j) w += static_cast<double>(p[i * width + j]) * static_cast<double>(p[i * width + j]);
    if (bias) b += static_cast<double>(p[i * width + d_in]) * static_cast<double>(p[i * width + d_in]);
  }
  return {w, b};
}

bool all_finite(const std::vector<double>& v) {
  return std::all_of(v.begin(), v.end(), [](double x) { return std::isfinite(x); });
}

// [G_W | G_b] (d_out × (d_in + 1)) or G_W alone, in the gradient's dtype.
template <class T>
Tensor joined_gradient(const Tensor& gw, const Tensor& gb, int64_t d_out, int64_t d_in) {
  if (!gb.defined()) return gw.contiguous();
  Tensor out = zeros({d_out, d_in + 1}, gw.dtype());
  const Tensor w = gw.contiguous(), b = gb.contiguous();
  const T* pw = w.data<T>();
  const T* pb = b.data<T>();
  T* o = out.data<T>();
  for (int64_t i = 0; i < d_out; ++i) {
    std::copy(pw + i * d_in, pw + (i + 1) * d_in, o + i * (d_in + 1));
    o[i * (d_in + 1) + d_in] = pb[i];
  }
  return out;
}

// σ·Ĝ split back into fresh weight and bias gradients.
template <class T>
std::pair<Tensor, Tensor> split_scaled(const Tensor& g_hat, double sigma, int64_t d_out, int64_t d_in, bool bias,
                                       const Shape& weight_shape) {
  const Tensor h = g_hat.contiguous();
  const T* p = h.data<T>();
  const T s = static_cast<T>(sigma);
  const int64_t width = d_in + (bias ? 1 : 0);
  Tensor gw = zeros(weight_shape, h.dtype());
  Tensor gb = bias ? zeros({d_out}, h.dtype()) : Tensor();
  T* w = gw.data<T>();
  for (int64_t i = 0; i < d_out; ++i) {
    for (int64_t j = 0; j < d_in; ++j) w[i * d_in + j] = s * p[i * width + j];
    if (bias) gb.data<T>()[i] = s * p[i * width + d_in];
  }
  return {gw, gb};
}

}  // namespace

MkorOptions mkor_options(const MkorConfig& c, int64_t grad_accum, int64_t vocab) {
  MkorOptions o;
  static_cast<MkorConfig&>(o) = c;
  o.exclude_out_features = vocab;
  o.grad_unscale = static_cast<double>(grad_accum);
  return o;
}

Mkor::Mkor(std::vector<ParamGroup> groups, std::unique_ptr<Optimizer> backbone, std::shared_ptr<Module> model,
           MkorOptions options)
    : Optimizer(std::move(groups)), backbone_(std::move(backbone)), model_(std::move(model)), options_(std::move(options)) {
  SF_CHECK(backbone_ != nullptr && model_ != nullptr, "MKOR: needs a backbone optimizer and the model");
  SF_CHECK(options_.factor_every > 0, "MKOR: factor_every ", options_.factor_every, " must be > 0");
  SF_CHECK(options_.gamma > 0 && options_.gamma < 1, "MKOR: gamma ", options_.gamma, " must be in (0, 1)");
  SF_CHECK(options_.clipping_value > 0, "MKOR: clipping_value ", options_.clipping_value, " must be > 0");
  SF_CHECK(options_.grad_unscale > 0, "MKOR: grad_unscale ", options_.grad_unscale, " must be > 0");
  std::vector<Variable> mine = params();
  const auto trainable = [&](const Variable& v) {
    return std::any_of(mine.begin(), mine.end(), [&](const Variable& p) { return p.impl() == v.impl(); });
  };
  for (auto& named : model_->named_modules()) {
    const std::string& path = named.first;  // not a structured binding: clang 14 cannot capture those
    auto* linear = dynamic_cast<Linear*>(named.second);
    if (!linear) continue;
    const bool excluded = std::any_of(options_.exclude.begin(), options_.exclude.end(),
                                      [&](const std::string& e) { return path.find(e) != std::string::npos; });
    const int64_t d_out = linear->weight().shape()[0], d_in = linear->weight().shape()[1];
    if (excluded || d_out == options_.exclude_out_features || !trainable(linear->weight())) continue;
    const bool bias = linear->bias().defined();
    if (bias && !trainable(linear->bias())) continue;  // a frozen bias: the joint update would move it
    Layer l;
    l.name = path;
    l.linear = linear;
    l.d_in = d_in + (bias ? 1 : 0);
    l.d_out = d_out;
    l.bias = bias;
    const DType dtype = linear->weight().dtype();
    l.a_sum.assign(static_cast<size_t>(l.d_in), 0.0);
    l.g_sum.assign(static_cast<size_t>(d_out), 0.0);
    l.rinv = identity_matrix(l.d_in, dtype);
    l.linv = identity_matrix(d_out, dtype);
    layers_.push_back(std::move(l));
  }
  for (Layer& l : layers_) attach_hooks(l);
}

Mkor::~Mkor() {
  for (Layer& l : layers_) {
    if (l.forward_hook >= 0) l.linear->remove_hook(l.forward_hook);
    if (l.backward_hook >= 0) l.linear->remove_hook(l.backward_hook);
  }
}

std::vector<std::string> Mkor::layer_names() const {
  std::vector<std::string> out;
  for (const Layer& l : layers_) out.push_back(l.name);
  return out;
}

bool Mkor::collecting() const { return !switched_ && is_factor_step(steps_taken()) && grad_enabled(); }

void Mkor::attach_hooks(Layer& l) {
  // Layers live in layers_, which never grows after construction, so the pointer stays valid.
  Layer* layer = &l;
  l.forward_hook = l.linear->add_forward_hook([this, layer](const Variable& input, const Variable& output) {
    if (!collecting() || !layer->linear->training()) return output;
    const int64_t width = layer->d_in - (layer->bias ? 1 : 0);
    layer->a_rows += add_clamped_rows(input.data(), width, 1.0, options_.clipping_value, layer->a_sum);
    if (layer->bias) layer->a_sum.back() = static_cast<double>(layer->a_rows) * std::clamp(1.0, -options_.clipping_value, options_.clipping_value);
    return output;
  });
  l.backward_hook = l.linear->add_backward_hook([this, layer](const Tensor& grad_output) {
    if (switched_ || !is_factor_step(steps_taken()) || !layer->linear->training()) return;
    const int64_t rows = grad_output.numel() / layer->d_out;
    const double scale = static_cast<double>(rows) * options_.grad_unscale;
    layer->g_rows += add_clamped_rows(grad_output, layer->d_out, scale, options_.clipping_value, layer->g_sum);
  });
}

void Mkor::transform_gradients() {
  if (switched_) return;
  const auto start = std::chrono::steady_clock::now();
  if (is_factor_step(steps_taken())) update_factors();
  for (Layer& l : layers_) {
    std::fill(l.a_sum.begin(), l.a_sum.end(), 0.0);
    std::fill(l.g_sum.begin(), l.g_sum.end(), 0.0);
    l.a_rows = l.g_rows = 0;
    precondition(l);
  }
  transform_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ++transform_calls_;
}

void Mkor::update_factors() {
  // The means, then one concatenated buffer averaged over the ranks: Σ (d_in(+1) + d_out) numbers.
  int64_t total = 0;
  for (Layer& l : layers_) {
    l.a.assign(l.a_sum.size(), 0.0);
    l.g.assign(l.g_sum.size(), 0.0);
    for (size_t j = 0; j < l.a.size(); ++j) l.a[j] = l.a_rows > 0 ? l.a_sum[j] / static_cast<double>(l.a_rows) : 0.0;
    for (size_t j = 0; j < l.g.size(); ++j) l.g[j] = l.g_rows > 0 ? l.g_sum[j] / static_cast<double>(l.g_rows) : 0.0;
    total += l.d_in + l.d_out;
  }
  if (reducer_) {
    Tensor buffer = zeros({total}, DType::f64);
    double* p = buffer.data<double>();
    for (const Layer& l : layers_) {
      p = std::copy(l.a.begin(), l.a.end(), p);
      p = std::copy(l.g.begin(), l.g.end(), p);
    }
    reducer_(buffer);
    const double* q = buffer.data<double>();
    for (Layer& l : layers_) {
      std::copy(q, q + l.d_in, l.a.begin());
      std::copy(q + l.d_in, q + l.d_in + l.d_out, l.g.begin());
      q += l.d_in + l.d_out;
    }
  }
  for (Layer& l : layers_) update_factor(l, true);   // all Rinv first, as the reference ...
  for (Layer& l : layers_) update_factor(l, false);  // ... so an Rinv overflow resets this step's Linv
  ++factor_steps_;
}

void Mkor::update_factor(Layer& l, bool right) {
  Tensor& f = right ? l.rinv : l.linv;
  bool& reset = right ? l.reset_r : l.reset_l;
  bool& identity = right ? l.r_identity : l.l_identity;
  const std::vector<double>& v = right ? l.a : l.g;
  if (reset) {
    reset_factor(f, options_.reset_mode, options_.reset_zeta);
    if (options_.reset_mode == MkorResetMode::identity) identity = true;
    reset = false;
    return;
  }
  if (!all_finite(v) || (right ? l.a_rows : l.g_rows) == 0) return;  // a skipped step, or an unused layer
  sherman_morrison_update(f, v, options_.gamma, options_.inverse_update);
  identity = false;
  if (max_abs_entry(f) > options_.reset_threshold) {
    l.reset_r = l.reset_l = true;
    ++factor_resets_;
  }
}

void Mkor::precondition(Layer& l) {
  if (l.r_identity && l.l_identity) return;  // Ĝ = G: the backbone's step, bitwise
  const Tensor gw = l.linear->weight().grad();
  const Tensor gb = l.bias ? l.linear->bias().grad() : Tensor();
  if (!gw.defined() || (l.bias && !gb.defined())) return;
  const int64_t d_in = l.d_in - (l.bias ? 1 : 0);
  const bool f32 = gw.dtype() == DType::f32;
  const Tensor g = f32 ? joined_gradient<float>(gw, gb, l.d_out, d_in) : joined_gradient<double>(gw, gb, l.d_out, d_in);
  const Tensor g_hat = matmul(matmul(l.linv, g), l.rinv).contiguous();
  const auto [hw, hb] = f32 ? split_squared_sums<float>(g_hat, l.d_out, d_in, l.bias)
                            : split_squared_sums<double>(g_hat, l.d_out, d_in, l.bias);
  const auto norm = [&](const Tensor& t) { return std::sqrt(f32 ? squared_sum<float>(t) : squared_sum<double>(t)); };
  const double before = norm(gw) + (l.bias ? norm(gb) : 0.0);
  const double sigma = before / (std::sqrt(hw) + std::sqrt(hb));
  if (!std::isfinite(sigma)) return;  // a zero gradient: leave it
  auto [sw, sb] = f32 ? split_scaled<float>(g_hat, sigma, l.d_out, d_in, l.bias, gw.shape())
                      : split_scaled<double>(g_hat, sigma, l.d_out, d_in, l.bias, gw.shape());
  Variable weight = l.linear->weight(), bias = l.linear->bias();  // handles: set_grad reaches the parameters
  weight.set_grad(std::move(sw));
  if (l.bias) bias.set_grad(std::move(sb));
}

void Mkor::step(double lr) {
  backbone_->step(lr);
  count_step();
}

void Mkor::observe_loss(double loss) {
  if (switched_ || !options_.hybrid.enabled || !std::isfinite(loss)) return;
  const int64_t t = steps_taken();
  if (!ema_started_) {
    loss_ema_ = loss_ema_at_check_ = loss;
    ema_started_ = true;
  } else {
    loss_ema_ = kLossEmaBeta * loss_ema_ + (1 - kLossEmaBeta) * loss;
  }
  if (options_.hybrid.switch_step > 0 && t >= options_.hybrid.switch_step) return switch_to_backbone();
  if (t % options_.hybrid.window != 0) return;
  const double r = (loss_ema_at_check_ - loss_ema_) / loss_ema_at_check_;
  failed_checks_ = r < options_.hybrid.min_rel_decrease ? failed_checks_ + 1 : 0;
  loss_ema_at_check_ = loss_ema_;
  if (failed_checks_ >= options_.hybrid.patience) switch_to_backbone();
}

void Mkor::switch_to_backbone() {
  for (Layer& l : layers_) {
    l.linear->remove_hook(l.forward_hook);
    l.linear->remove_hook(l.backward_hook);
    l.forward_hook = l.backward_hook = -1;
    l.rinv = Tensor();
    l.linv = Tensor();
  }
  switched_ = true;
  switch_step_ = steps_taken();
}

std::vector<std::pair<std::string, double>> Mkor::metrics() const {
  std::vector<std::pair<std::string, double>> out{
      {"mkor_factor_resets", static_cast<double>(factor_resets_)},
      {"mkor_transform_ms", transform_calls_ > 0 ? 1e3 * transform_seconds_ / static_cast<double>(transform_calls_) : 0.0}};
  if (options_.hybrid.enabled) out.emplace_back("mkor_switch_step", static_cast<double>(switch_step_));
  return out;
}

NamedTensors Mkor::state_tensors() const {
  NamedTensors out = backbone_->state_tensors();
  if (!switched_) {
    for (const Layer& l : layers_) {
      out.emplace_back("mkor/" + l.name + "/Rinv", l.rinv);
      out.emplace_back("mkor/" + l.name + "/Linv", l.linv);
      Tensor flags = empty({4}, DType::f64);
      double* f = flags.data<double>();
      f[0] = l.reset_r, f[1] = l.reset_l, f[2] = l.r_identity, f[3] = l.l_identity;
      out.emplace_back("mkor/" + l.name + "/flags", flags);
    }
  }
  // Written element by element: GCC 12's ASan build (detect_stack_use_after_return) crashed copying a braced
  // initializer list here.
  Tensor counters = empty({static_cast<int64_t>(kCounters)}, DType::f64);
  double* c = counters.data<double>();
  c[0] = double(factor_resets_), c[1] = double(factor_steps_), c[2] = double(switched_), c[3] = double(switch_step_);
  c[4] = double(ema_started_), c[5] = loss_ema_, c[6] = loss_ema_at_check_, c[7] = double(failed_checks_);
  out.emplace_back("mkor/counters", counters);
  return out;
}

void Mkor::load_state_tensors(const NamedTensors& state) {
  NamedTensors backbone_state, step;
  std::map<std::string, Tensor> mine;
  for (const auto& [name, t] : state) {
    if (name.rfind("mkor/", 0) == 0) {
      SF_CHECK(mine.emplace(name, t).second, "MKOR: state '", name, "' is given twice");
    } else {
      backbone_state.emplace_back(name, t);
      if (name == "step") step.emplace_back(name, t);
    }
  }
  auto take = [&](const std::string& name, const Shape& shape) {
    auto it = mine.find(name);
    SF_CHECK(it != mine.end(), "MKOR: state '", name, "' is missing");
    SF_CHECK(it->second.shape() == shape, "MKOR: state '", name, "' has shape ", shape_str(it->second.shape()),
             ", expected ", shape_str(shape));
    Tensor t = it->second.to(DType::f64).contiguous();
    mine.erase(it);
    return t;
  };
  // Check everything before changing anything.
  const Tensor counters = take("mkor/counters", {static_cast<int64_t>(kCounters)});
  const double* c = counters.data<double>();
  const bool switched = c[2] != 0;
  std::vector<std::array<Tensor, 3>> factors;
  if (!switched) {
    for (const Layer& l : layers_)
      factors.push_back({take("mkor/" + l.name + "/Rinv", {l.d_in, l.d_in}), take("mkor/" + l.name + "/Linv", {l.d_out, l.d_out}),
                         take("mkor/" + l.name + "/flags", {4})});
  }
  SF_CHECK(mine.empty(), "MKOR: state '", mine.begin()->first, "' does not belong to this optimizer (", mine.size(),
           " unknown name(s))");
  SF_CHECK(!switched_ || switched, "MKOR: cannot load the state of an unswitched MKOR-H after the switch");
  backbone_->load_state_tensors(backbone_state);
  Optimizer::load_state_tensors(step);
  factor_resets_ = static_cast<int64_t>(c[0]);
  factor_steps_ = static_cast<int64_t>(c[1]);
  ema_started_ = c[4] != 0;
  loss_ema_ = c[5];
  loss_ema_at_check_ = c[6];
  failed_checks_ = static_cast<int64_t>(c[7]);
  if (switched) {
    if (!switched_) switch_to_backbone();
    switch_step_ = static_cast<int64_t>(c[3]);
    return;
  }
  for (size_t i = 0; i < layers_.size(); ++i) {
    Layer& l = layers_[i];
    l.rinv.copy_(factors[i][0]);
    l.linv.copy_(factors[i][1]);
    const double* f = factors[i][2].data<double>();
    l.reset_r = f[0] != 0;
    l.reset_l = f[1] != 0;
    l.r_identity = f[2] != 0;
    l.l_identity = f[3] != 0;
  }
}

}  // namespace sf

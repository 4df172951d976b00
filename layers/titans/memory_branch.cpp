#include "layers/titans/memory_branch.h"

#include <cmath>

#include "autograd/functions.h"
#include "layers/causal_conv.h"

namespace sf {
namespace {

Variable l2_normalize(const Variable& x) { return x * rsqrt(sum(square(x), {-1}, true) + 1e-6); }

// The gates' bias: θ and η start at σ(0) = ½; α (the last gate, when there) at σ(−5) ≈ 0.007, so that the
// initial memory keeps a few hundred tokens rather than halving with every token.
Init gate_bias_init(int64_t heads, bool forget) {
  return Init::custom([heads, forget](Tensor& t, RngStream) {
    double* p = t.data<double>();
    for (int64_t i = 0; i < t.numel(); ++i) p[i] = forget && i >= t.numel() - heads ? -5.0 : 0.0;
  });
}

}  // namespace

MemoryBranch::MemoryBranch(const ModelConfig& c, DType dtype)
    : d_model_(c.n_embd),
      n_head_(c.n_head),
      head_dim_(c.n_embd / c.n_head),
      kernel_(c.section<TitansConfig>().conv_kernel),
      theta_max_(c.section<TitansConfig>().theta_max),
      conv_(c.section<TitansConfig>().conv),
      momentum_(c.section<TitansConfig>().momentum),
      forget_(c.section<TitansConfig>().forget) {
  const TitansConfig& t = c.section<TitansConfig>();
  rule_.activation = t.activation;
  rule_.grad_scale = t.loss == MemoryLoss::sum ? 2.0 : 2.0 / static_cast<double>(head_dim_);
  rule_.read_after_write = t.read == MemoryRead::after_write;
  rule_.chunk = t.chunk;
  const int64_t D = d_model_, H = n_head_;
  const Init fan_in = Init::uniform(1.0 / std::sqrt(static_cast<double>(D)));
  qkv_ = register_module("qkv", std::make_shared<Linear>(D, 3 * D, false, fan_in, dtype));
  if (conv_) {
    const Init conv = Init::uniform(1.0 / std::sqrt(static_cast<double>(kernel_)));
    conv_weight_ = register_parameter("conv_weight", {3 * D, kernel_}, conv, dtype);
    conv_bias_ = register_parameter("conv_bias", {3 * D}, conv, dtype);
  }
  const int64_t n_gates = 1 + (momentum_ ? 1 : 0) + (forget_ ? 1 : 0);
  gates_ = register_module("gates", std::make_shared<Linear>(D, n_gates * H, true, fan_in, dtype, gate_bias_init(H, forget_)));
  const int64_t hidden = t.memory_expansion * head_dim_;
  for (int64_t l = 0; l < t.memory_depth; ++l) {
    const int64_t in = l == 0 ? head_dim_ : hidden, out = l + 1 == t.memory_depth ? head_dim_ : hidden;
    const Init xavier = Init::uniform(std::sqrt(6.0 / static_cast<double>(in + out)));
    memory_init_.push_back(register_parameter("memory_init_" + std::to_string(l), {H, in, out}, xavier, dtype));
  }
}

Variable MemoryBranch::rows(const Variable& x, int64_t width) const {
  const int64_t B = x.size(0), L = x.size(1);
  return reshape(contiguous(permute(reshape(x, {B, L, n_head_, width}), {0, 2, 1, 3})), {B * n_head_, L, width});
}

MemoryBranch::Streams MemoryBranch::streams(const Variable& x, const Variable& qkv) const {
  const int64_t D = d_model_, H = n_head_, N = x.size(0) * H, L = x.size(1);
  const Variable a = silu(qkv);
  Streams s;
  s.q = rows(l2_normalize(reshape(narrow(a, 2, 0, D), {x.size(0), L, H, head_dim_})), head_dim_);
  s.k = rows(l2_normalize(reshape(narrow(a, 2, D, D), {x.size(0), L, H, head_dim_})), head_dim_);
  s.v = rows(narrow(a, 2, 2 * D, D), head_dim_);
  const Variable z = gates_->forward(x);  // (B, L, n_gates·H): θ, then η and α where switched on
  int64_t next = 0;
  auto gate = [&] { return reshape(rows(narrow(z, 2, H * next++, H), 1), {N, L}); };
  s.gates.theta = sigmoid(gate()) * theta_max_;
  if (momentum_) s.gates.log_momentum = -softplus(-gate());  // log σ(z)
  if (forget_) s.gates.log_decay = -softplus(gate());        // log(1 − σ(z))
  return s;
}

MemoryState MemoryBranch::initial_state(int64_t batch) const {
  MemoryState s;
  for (const Variable& m : memory_init_) {
    const Shape per_row{batch, m.size(0), m.size(1), m.size(2)};
    s.weights.push_back(reshape(contiguous(expand(unsqueeze(m, 0), per_row)), {batch * n_head_, m.size(1), m.size(2)}));
  }
  return s;
}

MemoryBranch::Streams MemoryBranch::project(const Variable& x, bool conv) const {
  SF_CHECK(x.dim() == 3 && x.size(2) == d_model_, "titans memory: input must be (B, L, ", d_model_, "), got ",
           shape_str(x.shape()));
  Variable qkv = qkv_->forward(x);
  if (conv_ && conv) qkv = causal_conv(qkv, conv_weight_, conv_bias_);
  return streams(x, qkv);
}

Variable MemoryBranch::merge_heads(const Variable& y, int64_t batch) const {
  const int64_t L = y.size(1);
  return reshape(contiguous(permute(reshape(y, {batch, n_head_, L, head_dim_}), {0, 2, 1, 3})), {batch, L, d_model_});
}

Variable MemoryBranch::forward(const Variable& x) const {
  const Streams s = project(x);
  return merge_heads(memory_dual_form(s.q, s.k, s.v, s.gates, initial_state(x.size(0)), rule_).y, x.size(0));
}

// state: [conv window (undefined without conv), tokens seen, weights…, gradient point…, momenta…].
Tensor MemoryBranch::step(const Tensor& x_t, std::vector<Tensor>& state) const {
  NoGradGuard no_grad;
  const int64_t B = x_t.size(0), depth = static_cast<int64_t>(memory_init_.size());
  MemoryCursor cursor;
  if (state.empty()) {
    cursor = memory_cursor(initial_state(B));
    state = {conv_ ? zeros({B, kernel_ - 1, 3 * d_model_}, x_t.dtype()) : Tensor(), Tensor()};
  } else {
    cursor.tokens = state[1].item<int64_t>();
    for (int64_t l = 0; l < depth; ++l) {
      cursor.state.weights.emplace_back(state[2 + l]);
      cursor.grad_point.emplace_back(state[2 + depth + l]);
      if (momentum_) cursor.state.momentum.emplace_back(state[2 + 2 * depth + l]);
    }
  }
  Tensor qkv = qkv_->forward(Variable(x_t)).data();
  if (conv_) qkv = causal_conv_step(state[0], qkv, conv_weight_.data(), conv_bias_.data());
  const Streams s = streams(Variable(x_t.reshape({B, 1, d_model_})), Variable(qkv.reshape({B, 1, 3 * d_model_})));
  const Tensor y = memory_token(s.q, s.k, s.v, s.gates, cursor, rule_).data();  // (B·H, 1, d)
  state.resize(2);
  state[1] = from_vector<int64_t>({cursor.tokens}, {1});
  for (const Variable& w : cursor.state.weights) state.push_back(w.data());
  for (const Variable& w : cursor.grad_point) state.push_back(w.data());
  for (const Variable& m : cursor.state.momentum) state.push_back(m.data());
  return y.reshape({B, d_model_});
}

}  // namespace sf

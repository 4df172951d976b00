#include "layers/ssm/s4.h"

#include "autograd/functions.h"
#include "layers/ssm/hippo.h"

namespace sf {
namespace {

// One of the NPLR vectors (P or B) in every channel, as (D, N/2, 2).
Init legs_vector_init(int64_t N, bool P) {
  return Init::custom([N, P](Tensor& t, RngStream) {
    const HippoNplr legs = hippo_legs_nplr(N);
    const auto& v = P ? legs.P : legs.B;
    double* p = t.data<double>();
    const int64_t M = t.size(1);
    for (int64_t i = 0; i < t.numel() / 2; ++i) {
      p[2 * i] = v[i % M].real();
      p[2 * i + 1] = v[i % M].imag();
    }
  });
}

}  // namespace

S4::S4(const ModelConfig& c, DType dtype) : S4D(c, dtype, true), l_max_(c.block_size) {
  P_ = register_parameter("P", {width_, modes_, 2}, legs_vector_init(c.section<SsmConfig>().d_state, true), dtype);
  B_ = register_parameter("B", {width_, modes_, 2}, legs_vector_init(c.section<SsmConfig>().d_state, false), dtype);
}

Variable S4::kernel(int64_t L) const {
  SF_CHECK(L <= l_max_, "s4: sequence length ", L, " exceeds model.block_size = ", l_max_,
           " (the length the S4 kernel is learnt for)");
  const Variable K = s4_dplr_kernel(log_dt_, log_A_real_, A_imag_, P_, B_, C_, l_max_);
  return L == l_max_ ? K : narrow(K, 1, 0, L);
}

Tensor S4::initial_state(int64_t batch) const { return zeros({batch, width_, 2 * modes_, 2}, D_.dtype()); }

S4Recurrence S4::recurrence() const {
  return s4_recurrence(log_dt_.data(), log_A_real_.data(), A_imag_.data(), P_.data(), B_.data(), C_.data(), l_max_);
}

Tensor S4::step(const S4Recurrence& r, Tensor& state, const Tensor& x_t) {
  NoGradGuard no_grad;
  Tensor y = s4_step(state, r, x_t) + x_t * D_.data();
  return output(Variable(y)).data();
}

Tensor S4::step(Tensor& state, const Tensor& x_t) { return step(recurrence(), state, x_t); }

Tensor S4::step(const Tensor& x_t, int64_t /*pos*/, std::vector<Tensor>& state) {
  if (state.empty()) {
    state.push_back(initial_state(x_t.size(0)));
    decode_ = recurrence();
  }
  return step(decode_, state[0], x_t);
}

std::shared_ptr<Mixer> make_s4(const ModelConfig& config, int64_t /*layer_index*/, DType dtype) {
  return std::make_shared<S4>(config, dtype);
}

}  // namespace sf

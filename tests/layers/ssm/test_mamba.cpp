// The Mamba block: the initialisation of state-spaces/mamba, recurrent step = parallel forward through
// the typed State API, and a SequenceModel built with mixer = mamba. Gradcheck and causality of the
// block are in tests/layers/contract/.
#include <gtest/gtest.h>

#include <cmath>

#include "autograd/functions.h"
#include "layers/sequence_model.h"
#include "layers/ssm/mamba.h"
#include "ssm_test_util.h"

namespace sf {
namespace {

using test::randn;

ModelConfig mamba_config(int64_t width = 4) {
  ModelConfig c;
  c.mixer = "mamba";
  c.n_embd = width;
  c.n_head = 1;
  c.n_layer = 2;
  c.section<SsmConfig>().d_state = 4;
  c.section<SsmConfig>().chunk = 3;
  c.norm = NormKind::rmsnorm;
  c.mlp = MlpKind::none;
  return c;
}

Tensor param(const Module& m, const std::string& name) {
  for (auto& [n, p] : m.named_parameters())
    if (n == name) return p.data();
  ADD_FAILURE() << "no parameter " << name;
  return Tensor();
}

TEST(Mamba, ReferenceInitialisation) {
  ModelConfig c = mamba_config(32);
  c.section<SsmConfig>().d_state = 16;
  Mamba m(c, 0, DType::f64);
  m.init_parameters(1);
  const Tensor A_log = param(m, "A_log");  // (64, 16)
  for (int64_t n = 0; n < 16; ++n) EXPECT_DOUBLE_EQ(A_log.at({5, n}), std::log(n + 1.0));
  const Tensor dt = unary(UnaryOp::softplus, param(m, "dt_bias"));
  EXPECT_GE(amin(dt).item<double>(), 1e-3 * (1 - 1e-9));
  EXPECT_LE(amax(dt).item<double>(), 1e-1 * (1 + 1e-9));
  EXPECT_GT(amax(dt).item<double>() / amin(dt).item<double>(), 10.0);  // spread over the log range
  EXPECT_EQ(amin(param(m, "D")).item<double>(), 1.0);
  EXPECT_EQ(param(m, "dt_proj.weight").shape(), Shape({64, 2}));  // dt_rank = ceil(32 / 16)
  EXPECT_EQ(param(m, "x_proj.weight").shape(), Shape({2 + 32, 64}));
  EXPECT_LE(amax(unary(UnaryOp::abs, param(m, "out_proj.weight"))).item<double>(), 1 / std::sqrt(64.0 * 2));
}

TEST(Mamba, StepReproducesForward) {
  Mamba m(mamba_config(), 0, DType::f64);
  m.init_parameters(6);
  const Tensor x = randn({2, 11, 4}, 7);
  const Tensor y = m.forward(Variable(x)).data();
  Mamba::State s = m.initial_state(2);
  for (int64_t t = 0; t < 11; ++t)
    EXPECT_LE(max_abs_diff(m.step(s, x.select(1, t).contiguous()), y.select(1, t)), 1e-10) << t;
}

TEST(Mamba, SequenceModelWithMambaMixer) {
  ModelConfig c = mamba_config(8);
  c.vocab_size = 11;
  SequenceModel model(c, DType::f64);
  model.init_parameters(1);
  bool found = false;
  for (auto& [n, p] : model.named_parameters()) found |= n == "blocks.1.mixer.A_log";
  EXPECT_TRUE(found);
  const Tensor tokens = from_vector<int64_t>({1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, {1, 10});
  EXPECT_EQ(model.forward(tokens).shape(), Shape({1, 10, 11}));
}

}  // namespace
}  // namespace sf

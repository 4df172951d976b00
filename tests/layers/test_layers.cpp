// Linear, norms, MLPs and attention: forward values and float64 gradchecks w.r.t. the input and
// every parameter (autograd/gradcheck.h).
#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "autograd/gradcheck.h"
#include "layers/layer_norm.h"
#include "layers/linear.h"
#include "layers/mlp.h"
#include "layers/registry.h"
#include "layers/rms_norm.h"
#include "test_util.h"

namespace sf {
namespace {

using test::randn;

std::vector<Variable> leaves_of(const Module& m, const Variable& x) {
  std::vector<Variable> out{x};
  for (auto& p : m.parameters()) out.push_back(p);
  return out;
}

void expect_gradcheck(Module& m, const std::function<Variable(const Variable&)>& f, const Shape& in_shape) {
  test::randomise(m, 100);
  Variable x(randn(in_shape, 1), true);
  GradcheckResult r = gradcheck([&] { return f(x); }, leaves_of(m, x));
  EXPECT_TRUE(r.ok) << r.report;
}

TEST(Linear, ComputesXWTransposePlusBias) {
  Linear lin(2, 3, true, Init::zeros(), DType::f64);
  lin.load_state_dict({{"weight", from_vector<double>({1, 2, 3, 4, 5, 6}, {3, 2})},
                       {"bias", from_vector<double>({0.5, 0, -1}, {3})}});
  Tensor y = lin.forward(Variable(from_vector<double>({1, -1}, {1, 2}))).data();
  EXPECT_EQ(to_vector<double>(y), (std::vector<double>{-0.5, -1, -2}));
  EXPECT_EQ(Linear(4, 2, false, Init::zeros()).named_parameters().size(), 1u);
}

TEST(Linear, Gradcheck) {
  Linear lin(5, 3, true, Init::zeros(), DType::f64);
  expect_gradcheck(lin, [&](const Variable& x) { return lin.forward(x); }, {2, 4, 5});
}

TEST(LayerNorm, NormalisesEachRow) {
  LayerNorm ln(6, 1e-5, true, DType::f64);
  ln.init_parameters(0);
  Tensor y = ln.forward(Variable(randn({4, 6}, 3) * 3.0 + 1.0)).data();
  Tensor mu = mean(y, {-1}), var_ = var(y, {-1}, false);
  for (double m : to_vector<double>(mu)) EXPECT_NEAR(m, 0.0, 1e-12);
  for (double v : to_vector<double>(var_)) EXPECT_NEAR(v, 1.0, 1e-5);  // eps shifts it slightly
}

TEST(LayerNorm, GradcheckWithAndWithoutBias) {
  for (bool bias : {true, false}) {
    LayerNorm ln(6, 1e-5, bias, DType::f64);
    EXPECT_EQ(ln.named_parameters().size(), bias ? 2u : 1u);
    expect_gradcheck(ln, [&](const Variable& x) { return ln.forward(x); }, {2, 3, 6});
  }
}

TEST(RMSNorm, ScalesEachRowToUnitRms) {
  RMSNorm rms(5, 1e-12, DType::f64);
  rms.init_parameters(0);
  Tensor y = rms.forward(Variable(randn({3, 5}, 4) * 2.5)).data();
  for (double ms : to_vector<double>(mean(y * y, {-1}))) EXPECT_NEAR(ms, 1.0, 1e-9);
}

TEST(RMSNorm, Gradcheck) {
  RMSNorm rms(6, 1e-5, DType::f64);
  expect_gradcheck(rms, [&](const Variable& x) { return rms.forward(x); }, {2, 3, 6});
}

TEST(Mlp, SwigluHiddenWidth) {
  EXPECT_EQ(Mlp::swiglu_hidden(8), 256);
  EXPECT_EQ(Mlp::swiglu_hidden(128), 512);
  EXPECT_EQ(Mlp::swiglu_hidden(384), 1024);
  EXPECT_EQ(Mlp::swiglu_hidden(4096), 11008);  // LLaMA-7B
}

TEST(Mlp, GradcheckEveryKind) {
  ModelConfig c = test::tiny_config();
  c.n_embd = 4;  // = 2², for monarch_glu
  c.bias = true;
  c.mlp_blocks = 2;
  for (auto [kind, gelu] : {std::pair{MlpKind::gelu, GeluKind::erf}, std::pair{MlpKind::gelu, GeluKind::tanh},
                            std::pair{MlpKind::swiglu, GeluKind::erf}, std::pair{MlpKind::blockdiag_glu, GeluKind::erf},
                            std::pair{MlpKind::monarch_glu, GeluKind::tanh}}) {
    c.mlp = kind;
    c.gelu = gelu;
    Mlp mlp(c, DType::f64);
    if (kind == MlpKind::swiglu) {
      EXPECT_EQ(test::names_of(mlp), (std::vector<std::string>{"w1.weight", "w3.weight", "w2.weight"}));
      EXPECT_EQ(mlp.hidden(), 256);
    } else if (kind == MlpKind::blockdiag_glu) {
      EXPECT_EQ(test::names_of(mlp), (std::vector<std::string>{"gate.weight", "out.weight", "out.bias"}));
      EXPECT_EQ(mlp.hidden(), 16);
    } else if (kind == MlpKind::monarch_glu) {
      EXPECT_EQ(test::names_of(mlp),
                (std::vector<std::string>{"gate.left", "gate.right", "out.left", "out.right", "out.bias"}));
      EXPECT_EQ(mlp.hidden(), 16);
    } else {
      EXPECT_EQ(test::names_of(mlp), (std::vector<std::string>{"fc.weight", "fc.bias", "proj.weight", "proj.bias"}));
      EXPECT_EQ(mlp.hidden(), 16);
    }
    SCOPED_TRACE(enum_names(kind)[static_cast<int>(kind)]);
    expect_gradcheck(mlp, [&](const Variable& x) { return mlp.forward(x); }, {2, 2, 4});
  }
}

TEST(Mlp, GeluFormsDiffer) {
  ModelConfig c = test::tiny_config();
  Mlp erf_mlp(c, DType::f64);
  c.gelu = GeluKind::tanh;
  Mlp tanh_mlp(c, DType::f64);
  erf_mlp.init_parameters(1);
  tanh_mlp.init_parameters(1);
  Variable x(randn({3, 8}, 2) * 20.0);
  double d = max_abs_diff(erf_mlp.forward(x).data(), tanh_mlp.forward(x).data());
  EXPECT_GT(d, 0.0);
  EXPECT_LT(d, 1e-3);
}

// With one token the softmax weight is 1 and position 0 is the identity for every scheme, so the
// output is the out-projection of the value slice.
TEST(Attention, SingleTokenOutputsTheProjectedValue) {
  for (PosKind pos : {PosKind::learned, PosKind::rope, PosKind::alibi}) {
    ModelConfig c = test::tiny_config(pos);
    c.bias = true;
    auto attn = make_mixer("attention", c, 0, DType::f64);
    attn->init_parameters(9);
    Variable x(randn({3, 1, 8}, 5));
    Variable qkv = linear(x, test::parameter(*attn, "wqkv.weight"), test::parameter(*attn, "wqkv.bias"));
    Variable expected = linear(narrow(qkv, 2, 16, 8), test::parameter(*attn, "wo.weight"), test::parameter(*attn, "wo.bias"));
    EXPECT_LT(max_abs_diff(attn->forward(x).data(), expected.data()), 1e-14);
  }
}

TEST(Registry, UnknownMixerListsTheKnownOnes) {
  try {
    make_mixer("mamba9", test::tiny_config(), 0);
    FAIL() << "unknown mixer accepted";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("mamba9"), std::string::npos) << msg;
    EXPECT_NE(msg.find("attention"), std::string::npos) << msg;
  }
}

}  // namespace
}  // namespace sf

// Autoencoder (model.arch: autoencoder): its layers, its criterion, gradients against finite differences, and
// MKOR's hooks on each of its Linears.
#include <gtest/gtest.h>

#include <cmath>

#include "autograd/gradcheck.h"
#include "layers/autoencoder.h"
#include "optim/factory.h"
#include "optim/mkor.h"
#include "tests/layers/test_util.h"

namespace sf {
namespace {

AutoencoderConfig small(Activation a = Activation::tanh) {
  AutoencoderConfig c;
  c.widths = {6, 4, 3, 6};
  c.activation = a;
  return c;
}

TEST(Autoencoder, LayersFollowTheWidthsWithTorchLinearInit) {
  const Autoencoder m(AutoencoderConfig{});  // 256-128-64-16-64-128-256
  EXPECT_EQ(test::names_of(m), (std::vector<std::string>{"fc0.weight", "fc0.bias", "fc1.weight", "fc1.bias", "fc2.weight",
                                                         "fc2.bias", "fc3.weight", "fc3.bias", "fc4.weight", "fc4.bias",
                                                         "fc5.weight", "fc5.bias"}));
  EXPECT_EQ(m.num_parameters(), 84624);  // 2·(256·128 + 128·64 + 64·16) + 128 + 64 + 16 + 64 + 128 + 256
  Autoencoder init(small());
  init.init_parameters(3);
  const Tensor w = test::parameter(init, "fc0.weight").data(), b = test::parameter(init, "fc0.bias").data();
  const double bound = 1 / std::sqrt(6.0);
  EXPECT_LE(amax(unary(UnaryOp::abs, w)).item<double>(), bound);
  EXPECT_LE(amax(unary(UnaryOp::abs, b)).item<double>(), bound);
  EXPECT_GT(amax(unary(UnaryOp::abs, b)).item<double>(), 0.0);  // the bias is drawn too, as torch's
}

TEST(Autoencoder, ForwardIsLinearsWithTheActivationBetweenAndMseCriterion) {
  for (Activation a : {Activation::tanh, Activation::relu, Activation::gelu, Activation::sigmoid}) {
    SCOPED_TRACE(enum_name(a));
    Autoencoder m(small(a), DType::f64);
    m.init_parameters(1);
    const Tensor x = test::randn({5, 6}, 2);
    const auto linear = [&](const Variable& h, int i) {
      return add(matmul(h, test::parameter(m, "fc" + std::to_string(i) + ".weight"), false, true),
                 test::parameter(m, "fc" + std::to_string(i) + ".bias"));
    };
    const auto act = [&](const Variable& h) {
      switch (a) {
        case Activation::tanh: return tanh(h);
        case Activation::relu: return relu(h);
        case Activation::gelu: return gelu(h);
        case Activation::sigmoid: return sigmoid(h);
      }
      return h;
    };
    const Variable expected = linear(act(linear(act(linear(Variable(x, false), 0)), 1)), 2);
    const Variable out = m.forward(x);
    EXPECT_LE(max_abs_diff(out.data(), expected.data()), 1e-12);
    const Tensor d = out.data() - x;
    EXPECT_NEAR(m.loss(x, x).item<double>(), sum(d * d).item<double>() / 30.0, 1e-12);
  }
}

TEST(Autoencoder, GradientsMatchFiniteDifferences) {
  for (Activation a : {Activation::tanh, Activation::sigmoid, Activation::gelu}) {
    SCOPED_TRACE(enum_name(a));
    Autoencoder m(small(a), DType::f64);
    m.init_parameters(4);
    test::randomise(m, 50, 0.5);
    const Tensor x = test::randn({3, 6}, 7), y = test::randn({3, 6}, 8);
    const GradcheckResult r = gradcheck([&] { return m.loss(x, y); }, m.parameters());
    EXPECT_TRUE(r.ok) << r.report;
  }
}

TEST(Autoencoder, RefusesRowsOfTheWrongWidthOrType) {
  Autoencoder m(small());
  EXPECT_THROW(m.forward(test::randn({2, 5}, 1).to(DType::f32)), Error);
  EXPECT_THROW(m.forward(test::randn({2, 6}, 1)), Error);  // float64 rows into a float32 model
  EXPECT_THROW(Autoencoder(AutoencoderConfig{{8}, Activation::tanh}), Error);
}

TEST(Autoencoder, MakeModelPicksTheArchitecture) {
  ModelConfig c;
  c.arch = ModelArch::autoencoder;
  c.autoencoder = small();
  EXPECT_NE(dynamic_cast<Autoencoder*>(make_model(c).get()), nullptr);
  c.arch = ModelArch::sequence;
  c.vocab_size = 11;
  EXPECT_EQ(dynamic_cast<Autoencoder*>(make_model(c).get()), nullptr);
}

// MKOR attaches to every Linear of the autoencoder through module hooks; its statistics are the batch means
// of each layer's input (with the bias column) on a factor step.
TEST(Autoencoder, MkorPreconditionsEveryLinear) {
  auto m = std::make_shared<Autoencoder>(small());
  m->init_parameters(2);
  OptimConfig oc;
  oc.name = OptimizerKind::mkor;
  oc.mkor.backbone = MkorBackbone::sgd;
  auto opt = make_optimizer(oc, m, 1);
  auto* mkor = dynamic_cast<Mkor*>(opt.get());
  ASSERT_NE(mkor, nullptr);
  EXPECT_EQ(mkor->layer_names(), (std::vector<std::string>{"fc0", "fc1", "fc2"}));
  const Tensor x = test::randn({4, 6}, 3).to(DType::f32);
  opt->zero_grad();
  m->loss(x, x).backward();
  opt->transform_gradients();
  const std::vector<double>& a = mkor->activation_mean(0);
  ASSERT_EQ(a.size(), 7u);  // six inputs and the bias column
  for (int64_t j = 0; j < 6; ++j) {
    double mean = 0;
    for (int64_t r = 0; r < 4; ++r) mean += x.at({r, j}) / 4;
    EXPECT_NEAR(a[j], mean, 1e-6) << j;
  }
  EXPECT_EQ(a[6], 1.0);
  opt->step(0.1);
  EXPECT_EQ(mkor->factor_resets(), 0);
}

}  // namespace
}  // namespace sf

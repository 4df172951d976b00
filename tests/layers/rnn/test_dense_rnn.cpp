// Dense LSTM / GRU (PyTorch's conventions): the fused op against autograd through the naive loop,
// gradcheck of the fused op, and the mixers' parameter names and stacking. The mixers' step,
// causality and gradcheck are in tests/layers/contract/.
#include <gtest/gtest.h>

#include "autograd/gradcheck.h"
#include "layers/rnn/dense_rnn_mixer.h"
#include "tests/layers/rnn/reference.h"
#include "tests/layers/test_util.h"
#include "tests/random.h"

namespace sf {
namespace {

const DenseCellKind kCells[] = {DenseCellKind::lstm, DenseCellKind::gru};

std::vector<Tensor> inputs(DenseCellKind kind, int64_t B, int64_t L, int64_t H, uint64_t seed) {
  const int64_t GH = dense_gates(kind) * H;
  return {test::randn({B, L, GH}, seed), test::randn({GH, H}, seed + 1) * 0.5, test::randn({GH}, seed + 2) * 0.5};
}

TEST(DenseRnn, FusedEqualsNaiveLoopWithGradients) {
  for (DenseCellKind kind : kCells) {
    const auto in = inputs(kind, 3, 13, 5, 1);
    const Tensor R = test::randn({3, 13, 5}, 9);
    std::vector<Tensor> got, ref;
    for (bool fused : {true, false}) {
      std::vector<Variable> v = {Variable(in[0].clone(), true), Variable(in[1].clone(), true),
                                 Variable(in[2].clone(), true)};
      Variable h = fused ? dense_rnn(kind, v[0], v[1], v[2]) : test::dense_rnn_reference(kind, v[0], v[1], v[2]);
      sum(h * Variable(R)).backward();
      (fused ? got : ref) = {h.data(), v[0].grad(), v[1].grad(), v[2].grad()};
    }
    for (size_t i = 0; i < ref.size(); ++i)
      EXPECT_LE(max_abs_diff(got[i], ref[i]), 1e-12) << (kind == DenseCellKind::lstm ? "lstm" : "gru") << " " << i;
  }
}

TEST(DenseRnn, GradcheckFloat64) {
  for (DenseCellKind kind : kCells) {
    auto r = gradcheck([&](const std::vector<Variable>& v) { return dense_rnn(kind, v[0], v[1], v[2]); },
                       inputs(kind, 2, 7, 3, 4));
    EXPECT_TRUE(r.ok) << r.report;
  }
}

TEST(DenseRnnMixer, PytorchParameterNamesAndStacking) {
  ModelConfig c;
  c.n_embd = 6;
  c.section<RnnConfig>().layers = 2;
  DenseRnnMixer m(DenseCellKind::lstm, c, DType::f64);
  EXPECT_EQ(test::names_of(m), (std::vector<std::string>{"weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
                                                          "weight_ih_l1", "weight_hh_l1", "bias_ih_l1", "bias_hh_l1"}));
  EXPECT_EQ(test::parameter(m, "weight_hh_l1").shape(), Shape({24, 6}));
}

}  // namespace
}  // namespace sf

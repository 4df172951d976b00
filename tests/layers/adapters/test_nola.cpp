// NOLA (spec optim.md §2.7): reproducible bases (golden from an independent Python Philox), exactness at
// zero coefficients, chunked = materialised, gradients.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include "autograd/gradcheck.h"
#include "core/allocator.h"
#include "core/parallel.h"
#include "layers/adapters/attach.h"
#include "layers/adapters/nola.h"
#include "tests/layers/adapters/adapter_test_util.h"
#include "tests/support.h"

namespace sf::test {
namespace {

// The golden rows of tools/parity/nola_golden.py: name -> 8 values.
std::map<std::string, std::vector<double>> read_golden() {
  std::ifstream in(std::string(SF_SOURCE_DIR) + "/tests/layers/adapters/golden/nola_seed0.txt");
  EXPECT_TRUE(in.is_open());
  std::map<std::string, std::vector<double>> rows;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream s(line);
    std::string name, value;
    s >> name;
    while (s >> value) rows[name].push_back(std::strtod(value.c_str(), nullptr));
  }
  return rows;
}

TEST(Nola, BasesMatchTheIndependentGolden) {  // check 1
  const auto golden = read_golden();
  const std::string site = "blocks.0.attn.q";
  const NolaBasis a{nola_seed(0, site, 'A'), 4, 128, 64, true};
  const NolaBasis b{nola_seed(0, site, 'B'), 128, 4, 64, false};
  const Tensor u0 = nola_basis_tensor(a, 0, DType::f32).flatten();
  const Tensor v0 = nola_basis_tensor(b, 0, DType::f32).flatten();
  const Tensor a0 = nola_basis_tensor(a, kNolaOffsetIndex, DType::f32).flatten();
  for (const auto& [name, t] : {std::pair{"U0", u0}, std::pair{"V0", v0}, std::pair{"A0", a0}}) {
    ASSERT_EQ(golden.at(name).size(), 8u) << name;
    for (int64_t i = 0; i < 8; ++i)
      EXPECT_EQ(t.at({i}), golden.at(name)[static_cast<size_t>(i)]) << name << "[" << i << "]";
  }
  EXPECT_EQ(max_abs_diff(nola_basis_tensor(a, 0, DType::f64), nola_basis_tensor(a, 0, DType::f32)), 0.0)
      << "float32 and float64 bases hold the same values";
}

TEST(Nola, MixIsBitwiseReproducibleOverThreadsAndChunks) {  // checks 1 and 3
  const NolaBasis full{123, 3, 37, 10, true};
  const Tensor coef = randn({10}, 2, DType::f32);
  const int threads = num_threads();
  set_num_threads(1);
  const Tensor one = nola_mix(coef, full);
  set_num_threads(2);
  const Tensor two = nola_mix(coef, full);
  set_num_threads(threads);
  EXPECT_EQ(max_abs_diff(one, two), 0.0);
  NolaBasis chunked = full;
  chunked.chunk = 3;
  EXPECT_EQ(max_abs_diff(nola_mix(coef, chunked), one), 0.0) << "C = 3, k = 10";
  // Materialised in the spec's order: acc = A0, then acc + fl(α_i·c)·U_i with separate ops.
  Tensor acc = nola_basis_tensor(full, kNolaOffsetIndex, DType::f32);
  const float c = 1.0f / std::sqrt(10.0f);
  for (int64_t i = 0; i < 10; ++i) {
    const float w = static_cast<float>(coef.at({i})) * c;
    acc = add(acc, nola_basis_tensor(full, static_cast<uint32_t>(i), DType::f32) * static_cast<double>(w));
  }
  EXPECT_EQ(max_abs_diff(nola_mix(coef, chunked), acc), 0.0);
}

TEST(Nola, ZeroCoefficientsAreExactlyTheBase) {  // check 2
  auto m = base_model(adapter_model_config());
  const Tensor before = logits(*m);
  apply_adapter_config(*m, nola_config({"all_linear"}), 1);
  EXPECT_EQ(max_abs_diff(logits(*m), before), 0.0);
  m->eval();
  EXPECT_EQ(max_abs_diff(logits(*m), before), 0.0);
}

TEST(Nola, OnlyCoefficientsTrain) {
  auto m = base_model(adapter_model_config());
  apply_adapter_config(*m, nola_config({"qv"}, 10, 6), 1);
  int64_t n = 0;
  for (const Variable& p : m->parameters()) n += p.requires_grad() ? p.numel() : 0;
  EXPECT_EQ(n, 4 * (10 + 6));
  EXPECT_EQ(parameter(*m, "blocks.0.mixer.wqkv.nola_q.alpha").shape(), (Shape{10}));
}

TEST(Nola, GradcheckFloat64AndProjection) {  // check 4: k = l = 7, r = 2, d = 5
  auto layer = std::make_shared<Linear>(5, 5, false, Init::normal(0.5), DType::f64);
  layer->init_parameters(1);
  AdapterConfig c = nola_config({"p"}, 7, 7);
  auto adapter = std::make_shared<NolaAdapter>(AdapterSite{layer.get(), "p", 0, 5}, c);
  layer->add_module("nola", adapter);
  adapter->attach();
  Variable alpha = adapter->alpha(), beta = adapter->beta(), w = layer->weight();
  alpha.mutable_data().copy_(randn({7}, 3));
  beta.mutable_data().copy_(randn({7}, 4));
  w.set_requires_grad(false);
  const Tensor x = randn({3, 5}, 8);
  auto r = gradcheck([&] { return layer->forward(Variable(x)); }, std::vector<Variable>{alpha, beta});
  EXPECT_TRUE(r.ok) << r.report;
  // ∂α_i = c_A·⟨∂A, U_i⟩ with c_A = 1/√7.
  const Tensor probe = randn({2, 5}, 9);
  alpha.zero_grad();
  sum(mul(nola_mix(alpha, adapter->basis_a()), Variable(probe))).backward();
  for (int64_t i = 0; i < 7; ++i) {
    const Tensor u = nola_basis_tensor(adapter->basis_a(), static_cast<uint32_t>(i), DType::f64);
    const double dot = sum(mul(probe, u)).item<double>();
    EXPECT_NEAR(alpha.grad().at({i}), dot / std::sqrt(7.0), 1e-12) << i;
  }
}

// Check 6: the bases are regenerated chunk by chunk and dropped, never kept for backward. With k = l = 1000
// bases per matrix, retained bases would be 1000 x the adapted matrices' rank x width floats each (about
// 8 MiB here, tens of times the step's activations); the peak of a NOLA forward + backward must stay below
// twice LoRA's at the same rank.
TEST(Nola, PeakMemoryStaysBelowTwiceLorasAtTheSameRank) {
  const ModelConfig mc = adapter_model_config(2, 64);
  const Tensor tokens = random_tokens(8, 8, 11, 5), targets = random_tokens(8, 8, 11, 6);
  const auto step_peak = [&](const AdapterConfig& adapter) {
    auto m = base_model(mc);
    apply_adapter_config(*m, adapter, 1);
    randomise_trainable(*m, 9);
    Allocator& alloc = cpu_allocator();
    const size_t before = alloc.stats().bytes_in_use;
    alloc.reset_peak();
    m->loss(tokens, targets).backward();
    return static_cast<double>(alloc.stats().peak_bytes_in_use - before);
  };
  AdapterConfig nola = nola_config({"all_linear"}, 1000, 1000);
  nola.rank = 4;
  nola.nola.chunk = AdapterConfig{}.nola.chunk;
  AdapterConfig lora = lora_config({"all_linear"}, 4);
  const double nola_peak = step_peak(nola), lora_peak = step_peak(lora);
  EXPECT_LT(nola_peak, 2 * lora_peak) << "NOLA " << nola_peak << " B, LoRA " << lora_peak << " B";
}

TEST(Nola, MergedEqualsUnmerged) {
  auto m = base_model(adapter_model_config());
  apply_adapter_config(*m, nola_config({"qkvo"}), 1);
  randomise_trainable(*m, 5);
  const Tensor unmerged = logits(*m);
  m->eval();
  const double scale = amax(unary(UnaryOp::abs, unmerged)).item<double>();
  EXPECT_LE(max_abs_diff(logits(*m), unmerged), 1e-5 * scale);
  m->train();
  EXPECT_EQ(max_abs_diff(logits(*m), unmerged), 0.0);
}

}  // namespace
}  // namespace sf::test

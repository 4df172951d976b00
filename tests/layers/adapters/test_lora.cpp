// LoRA (spec optim.md §1.11): exactness at B = 0, merge/unmerge, gradients, dropout, targets, counts.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "autograd/gradcheck.h"
#include "core/hash.h"
#include "core/parallel.h"
#include "layers/adapters/attach.h"
#include "layers/adapters/lora.h"
#include "optim/optimizer.h"
#include "tests/layers/adapters/adapter_test_util.h"
#include "tests/support.h"

namespace sf::test {
namespace {

TEST(Lora, ZeroBIsExactlyTheBase) {  // check 1
  for (const char* preset : {"qv", "qkvo", "all_linear"}) {
    auto m = base_model(adapter_model_config());
    const Tensor before = logits(*m);
    apply_adapter_config(*m, lora_config({preset}), 1);
    EXPECT_EQ(max_abs_diff(logits(*m), before), 0.0) << preset << ", training mode";
    m->eval();
    EXPECT_EQ(max_abs_diff(logits(*m), before), 0.0) << preset << ", merged";
  }
}

TEST(Lora, ParametersAreNamedUnderTheLayerAndInitialisedFromTheSiteStream) {
  auto m = base_model(adapter_model_config());
  apply_adapter_config(*m, lora_config({"qv"}, 3), 42);
  const Variable a = parameter(*m, "blocks.1.mixer.wqkv.lora_v.A");
  EXPECT_EQ(a.shape(), (Shape{3, 16}));
  EXPECT_EQ(parameter(*m, "blocks.1.mixer.wqkv.lora_v.B").shape(), (Shape{16, 3}));
  double expected[4];
  rng_uniform(expected, 4, RngStream{mix(42, fnv1a("blocks.1.mixer.wqkv.v")), 0, kTagLora}, 0, -0.25, 0.25);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(a.data().at({0, i}), static_cast<float>(expected[i])) << i;
  // Only the adapters train: the optimizer gets A and B of 2 blocks x {q, v}.
  int64_t n = 0;
  for (const ParamGroup& g : make_param_groups(m->named_parameters(), 0.1))
    for (const Variable& p : g.params) n += p.numel();
  EXPECT_EQ(n, 2 * 2 * 3 * (16 + 16));
  EXPECT_FALSE(parameter(*m, "blocks.0.mixer.wqkv.weight").requires_grad());
}

TEST(Lora, GaussianInitHasStdOneOverRank) {
  auto m = base_model(adapter_model_config(1, 64));
  AdapterConfig c = lora_config({"blocks.0.mlp.fc"}, 2);
  c.init_a = LoraInitA::gaussian;
  apply_adapter_config(*m, c, 5);
  const Tensor a = parameter(*m, "blocks.0.mlp.fc.lora.A").data().to(DType::f64);
  const double sd = std::sqrt(var(a).item<double>());
  EXPECT_NEAR(sd, 0.5, 0.08);
}

TEST(Lora, MergedEqualsUnmergedAndUnmergeRestoresTheWeight) {  // check 2
  auto m = base_model(adapter_model_config());
  apply_adapter_config(*m, lora_config({"qkvo"}), 1);
  randomise_trainable(*m, 11);
  const Tensor w0 = parameter(*m, "blocks.0.mixer.wqkv.weight").data().clone();
  const Tensor unmerged = logits(*m);
  m->eval();
  EXPECT_GT(max_abs_diff(parameter(*m, "blocks.0.mixer.wqkv.weight").data(), w0), 0.0) << "eval merges";
  const Tensor merged = logits(*m);
  const double scale = amax(unary(UnaryOp::abs, unmerged)).item<double>();
  EXPECT_LE(max_abs_diff(merged, unmerged), 1e-5 * scale);
  m->train();
  EXPECT_EQ(max_abs_diff(parameter(*m, "blocks.0.mixer.wqkv.weight").data(), w0), 0.0) << "bit for bit";
  EXPECT_EQ(max_abs_diff(logits(*m), unmerged), 0.0);
}

TEST(Lora, TrainingForwardWhileMergedIsAnError) {
  auto m = base_model(adapter_model_config());
  auto adapters = apply_adapter_config(*m, lora_config({"qv"}), 1);
  adapters.front()->merge();
  EXPECT_NE(error_of([&] { logits(*m); }).find("while the update is merged"), std::string::npos);
}

// One fused layer (d_in 5, parts q, k, v of 2 rows) in float64 with an adapter on v only.
struct FusedLayer {
  std::shared_ptr<Linear> layer = std::make_shared<Linear>(5, 6, true, Init::normal(0.5), DType::f64);
  std::shared_ptr<LoraAdapter> adapter;
  explicit FusedLayer(double dropout = 0.0) {
    layer->init_parameters(3);
    layer->set_output_parts({"q", "k", "v"});
    AdapterConfig c = lora_config({"x.v"}, 2);
    c.dropout = dropout;
    const auto [row0, rows] = layer->part_rows("v");
    adapter = std::make_shared<LoraAdapter>(AdapterSite{layer.get(), "x.v", row0, rows}, c, 9);
    layer->add_module("lora_v", adapter);
    adapter->attach();
    Variable b = adapter->b(), w = layer->weight(), bias = layer->bias();
    b.mutable_data().copy_(randn({2, 2}, 4));
    w.set_requires_grad(false);
    bias.set_requires_grad(false);
  }
};

TEST(Lora, GradcheckFloat64) {  // check 3
  FusedLayer f;
  const Tensor x = randn({3, 5}, 8);
  auto r = gradcheck([&](const std::vector<Variable>& in) { return f.layer->forward(in[0]); }, {x});
  EXPECT_TRUE(r.ok) << r.report;
  auto leaves =
      gradcheck([&] { return f.layer->forward(Variable(x)); }, std::vector<Variable>{f.adapter->a(), f.adapter->b()});
  EXPECT_TRUE(leaves.ok) << leaves.report;
  // Only rows of v change; W0 and b get no gradient buffer at all.
  const Tensor base = linear(Variable(x), f.layer->weight(), f.layer->bias()).data();
  const Tensor y = f.layer->forward(Variable(x)).data();
  EXPECT_EQ(max_abs_diff(y.narrow(1, 0, 4), base.narrow(1, 0, 4)), 0.0);
  EXPECT_GT(max_abs_diff(y.narrow(1, 4, 2), base.narrow(1, 4, 2)), 0.0);
  sum(f.layer->forward(Variable(x))).backward();
  EXPECT_FALSE(f.layer->weight().grad().defined());
  EXPECT_FALSE(f.layer->bias().grad().defined());
  EXPECT_TRUE(f.adapter->a().grad().defined());
}

// adapter.log_norms (spec §1.10): max|x·(W0+ΔW)ᵀ| over the adapted rows, the largest since the last take.
TEST(Lora, LogNormsRecordsTheLargestAdaptedOutputEntry) {
  FusedLayer f;
  const Tensor x1 = randn({3, 5}, 8), x2 = randn({3, 5}, 9) * 3.0;
  EXPECT_TRUE(std::isnan(f.adapter->take_out_max())) << "off by default";
  f.layer->forward(Variable(x1));
  EXPECT_TRUE(std::isnan(f.adapter->take_out_max())) << "nothing recorded while off";
  f.adapter->set_log_norms(true);
  // Independently: the v rows of W0 + s·B·A, bias left out.
  const Tensor w = f.layer->weight().data().narrow(0, 4, 2) + f.adapter->delta_weight();
  const auto expected = [&](const Tensor& x) {
    return amax(unary(UnaryOp::abs, matmul(x, w.transpose(0, 1)))).item<double>();
  };
  f.layer->forward(Variable(x1));
  f.layer->forward(Variable(x2));
  const double want = std::max(expected(x1), expected(x2));
  EXPECT_NEAR(f.adapter->take_out_max(), want, 1e-12 * want);
  EXPECT_TRUE(std::isnan(f.adapter->take_out_max())) << "taking starts afresh";
  f.layer->eval();  // merged: an evaluation forward is not a training one
  f.layer->forward(Variable(x1));
  EXPECT_TRUE(std::isnan(f.adapter->take_out_max()));
  // Through the adapter section, one entry per adapted site.
  auto m = base_model(adapter_model_config());
  AdapterConfig c = lora_config({"qv"});
  c.log_norms = true;
  apply_adapter_config(*m, c, 1);
  logits(*m);
  const auto norms = take_adapter_out_max(*m);
  ASSERT_EQ(norms.size(), 4u);
  EXPECT_EQ(norms.front().first, "adapter_out_max/blocks.0.mixer.wqkv.q");
  for (const auto& entry : norms) EXPECT_GT(entry.second, 0.0) << entry.first;
}

TEST(Lora, DropoutOnlyInTrainingAndReproducible) {  // check 4
  FusedLayer plain(0.0), dropped(0.5);
  const Variable x(randn({4, 5}, 8));
  plain.layer->eval();
  dropped.layer->eval();
  EXPECT_EQ(max_abs_diff(plain.layer->forward(x).data(), dropped.layer->forward(x).data()), 0.0);
  dropped.layer->train();
  plain.layer->train();
  dropped.layer->set_rng_step(5, 0);
  const Tensor a = dropped.layer->forward(x).data();
  dropped.layer->set_rng_step(5, 0);
  EXPECT_EQ(max_abs_diff(dropped.layer->forward(x).data(), a), 0.0) << "same seed and step, same mask";
  dropped.layer->set_rng_step(5, 1);
  EXPECT_GT(max_abs_diff(dropped.layer->forward(x).data(), a), 0.0) << "another step, another mask";
  EXPECT_GT(max_abs_diff(plain.layer->forward(x).data(), a), 0.0);
}

TEST(Lora, TargetsResolveSlicesPresetsAndGlobs) {
  auto m = base_model(adapter_model_config());
  EXPECT_EQ(resolve_adapter_targets(*m, {"qv"}),
            (std::vector<std::string>{"blocks.0.mixer.wqkv.q", "blocks.0.mixer.wqkv.v", "blocks.1.mixer.wqkv.q",
                                      "blocks.1.mixer.wqkv.v"}));
  EXPECT_EQ(resolve_adapter_targets(*m, {"all_linear"}).size(), 2u * 6u);  // q k v o fc proj
  ModelConfig untied = adapter_model_config();
  untied.tie_embeddings = false;  // the head is a Linear of its own, adapted only when named
  auto u = base_model(untied);
  EXPECT_EQ(resolve_adapter_targets(*u, {"blocks.1.*.fc", "lm_head"}),
            (std::vector<std::string>{"blocks.1.mlp.fc", "lm_head"}));
  for (const std::string& s : resolve_adapter_targets(*u, {"all_linear"})) EXPECT_NE(s, "lm_head");
  const std::string none = error_of([&] { resolve_adapter_targets(*m, {"blocks.*.attn.q"}); });
  EXPECT_NE(none.find("'blocks.*.attn.q' matches no linear layer"), std::string::npos) << none;
  const std::string both = error_of([&] { resolve_adapter_targets(*m, {"blocks.0.mixer.wqkv*"}); });
  EXPECT_NE(both.find("adapt the whole layer or its parts"), std::string::npos) << both;
}

TEST(Lora, AllLinearNeverTakesRecurrenceParameters) {
  ModelConfig c = adapter_model_config();
  c.mixer = "mamba";
  auto m = base_model(c);
  for (const std::string& s : resolve_adapter_targets(*m, {"all_linear"})) {
    EXPECT_EQ(s.find("x_proj"), std::string::npos) << s;
    EXPECT_EQ(s.find("dt_proj"), std::string::npos) << s;
  }
  EXPECT_NE(error_of([&] { resolve_adapter_targets(*m, {"qv"}); }).find("preset 'qv' matches no layer"),
            std::string::npos);
}

TEST(Lora, FreezeGlobsWithoutAdapters) {
  auto m = base_model(adapter_model_config());
  AdapterConfig c;
  c.freeze = {"wte.*", "blocks.0.*"};
  EXPECT_TRUE(apply_adapter_config(*m, c, 0).empty());
  for (auto& [name, p] : m->named_parameters())
    EXPECT_EQ(p.requires_grad(), !(name.rfind("wte.", 0) == 0 || name.rfind("blocks.0.", 0) == 0)) << name;
  c.freeze = {"nothing.*"};
  EXPECT_NE(error_of([&] { apply_adapter_config(*m, c, 0); }).find("'nothing.*' matches no parameter"),
            std::string::npos);
}

TEST(Lora, TrainGlobsNameBaseParametersTrainedBesideTheAdapters) {
  auto m = base_model(adapter_model_config());
  AdapterConfig c = lora_config({"qv"});
  c.train = {"*norm*", "wte.*"};
  apply_adapter_config(*m, c, 0);
  int64_t trainable = 0;
  for (auto& [name, p] : m->named_parameters()) {
    const bool base_trained = name.find("norm") != std::string::npos || name.rfind("wte.", 0) == 0;
    const bool adapter = name.find(".lora_") != std::string::npos;
    EXPECT_EQ(p.requires_grad(), base_trained || adapter) << name;
    if (p.requires_grad()) trainable += p.numel();
  }
  // 2 blocks: q, v at rank 4 = 2·2·4·(16 + 16); the norms: 2 per block and the final one, 16 wide; wte 11×16.
  EXPECT_EQ(trainable, 2 * 2 * 4 * 32 + 5 * 16 + 11 * 16);
  auto other = base_model(adapter_model_config());
  c.train = {"*norm*", "*.lora_q.A"};  // adapter parameters are not the base's: they train anyway
  const std::string message = error_of([&] { apply_adapter_config(*other, c, 0); });
  EXPECT_NE(message.find("adapter.train: '*.lora_q.A' matches no parameter (e.g. wte.weight"), std::string::npos)
      << message;
}

TEST(Lora, BiasOptions) {
  ModelConfig mc = adapter_model_config();
  mc.bias = true;
  auto m = base_model(mc);
  AdapterConfig c = lora_config({"qv"});
  c.bias = AdapterBias::lora_only;
  apply_adapter_config(*m, c, 0);
  EXPECT_TRUE(parameter(*m, "blocks.0.mixer.wqkv.bias").requires_grad());
  EXPECT_FALSE(parameter(*m, "blocks.0.mixer.wo.bias").requires_grad());
  auto all = base_model(mc);
  c.bias = AdapterBias::all;
  apply_adapter_config(*all, c, 0);
  EXPECT_TRUE(parameter(*all, "blocks.0.mixer.wo.bias").requires_grad());
  EXPECT_FALSE(parameter(*all, "blocks.0.mixer.wo.weight").requires_grad());
}

int64_t trainable(Module& m) {
  int64_t n = 0;
  for (const Variable& p : m.parameters()) n += p.requires_grad() ? p.numel() : 0;
  return n;
}

TEST(Lora, ParameterCountsFollowTheFormula) {  // check 6: r·(d_in + d_out) per matrix, 4·L·d·r for qv
  auto tiny = base_model(adapter_model_config(4, 128));
  apply_adapter_config(*tiny, lora_config({"qv"}, 4), 0);
  EXPECT_EQ(trainable(*tiny), 4 * 4 * 128 * 4);
  auto tiny_all = base_model(adapter_model_config(4, 128));
  apply_adapter_config(*tiny_all, lora_config({"all_linear"}, 1), 0);
  EXPECT_EQ(trainable(*tiny_all), 9216);  // spec §2.8
  // GPT-2 M (L 24, d 1024) and L (L 36, d 1280): one block of each width, times L.
  for (auto [d, layers, rank, expected] :
       {std::tuple{1024, 24, 4, 393216}, std::tuple{1280, 36, 4, 737280}, std::tuple{1280, 36, 1, 184320}}) {
    ModelConfig c = adapter_model_config(1, d);
    c.n_head = 16;
    SequenceModel block(c);
    apply_adapter_config(block, lora_config({"qv"}, rank), 0);
    EXPECT_EQ(layers * trainable(block), expected) << "d " << d << ", r " << rank;
  }
}

}  // namespace
}  // namespace sf::test

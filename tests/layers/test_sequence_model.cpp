// SequenceModel: parameter layout, GPT-2 init, weight tying, state dicts, causality for every
// positional scheme, gradcheck of the loss, the learned-position length limit, the recurrent
// step of every mixer that has one, and hybrid stacks (model.layers, model.block).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>

#include "autograd/gradcheck.h"
#include "layers/registry.h"
#include "layers/rnn/rnn_config.h"
#include "layers/sequence_model.h"
#include "layers/ssm/ssm_config.h"
#include "layers/transformer_block.h"
#include "test_util.h"
#include "tests/random.h"
#include "tests/support.h"

namespace sf {
namespace {

using test::parameter;

ModelConfig shakespeare_config() {  // nanoGPT's CPU shakespeare_char: 4 layers, 128 wide, 65 chars, no bias
  ModelConfig c;
  c.n_layer = 4;
  c.n_head = 4;
  c.n_embd = 128;
  c.block_size = 64;
  c.vocab_size = 65;
  c.bias = false;
  c.pos = PosKind::learned;
  c.tie_embeddings = true;
  return c;
}

double std_of(const Variable& p) {
  double s = 0, s2 = 0;
  auto v = to_vector<double>(p.data());
  for (double x : v) {
    s += x;
    s2 += x * x;
  }
  const double n = static_cast<double>(v.size());
  return std::sqrt(s2 / n - (s / n) * (s / n));
}

TEST(SequenceModel, ParameterNamesAndCount) {
  const ModelConfig c = shakespeare_config();
  SequenceModel m(c);
  const int64_t D = 128, V = 65, L = 64;
  const int64_t per_block = D + 3 * D * D + D * D + D + 4 * D * D + 4 * D * D;  // norms, qkv, wo, fc, proj
  EXPECT_EQ(m.num_parameters(), V * D + L * D + 4 * per_block + D);
  EXPECT_EQ(m.num_parameters(), 804096);

  std::vector<std::string> names = test::names_of(m);
  ASSERT_EQ(names.size(), 2u + 4 * 6 + 1);
  EXPECT_EQ(std::vector<std::string>(names.begin(), names.begin() + 8),
            (std::vector<std::string>{"wte.weight", "wpe.weight", "blocks.0.norm1.weight", "blocks.0.mixer.wqkv.weight",
                                      "blocks.0.mixer.wo.weight", "blocks.0.norm2.weight", "blocks.0.mlp.fc.weight",
                                      "blocks.0.mlp.proj.weight"}));
  EXPECT_EQ(names.back(), "norm_f.weight");

  int64_t summed = 0;
  for (const auto& row : m.parameter_summary())
    if (row.depth == 1) summed += row.count;
  EXPECT_EQ(summed, m.num_parameters());

  ModelConfig untied = c;
  untied.tie_embeddings = false;
  untied.pos = PosKind::rope;
  untied.bias = true;
  SequenceModel u(untied);
  // rope drops wpe; the untied head adds V·D; biases add 3D + D + 4D + D per block and 2 per norm.
  EXPECT_EQ(u.num_parameters(), m.num_parameters() - L * D + V * D + 4 * (9 * D + 2 * D) + D);
  EXPECT_EQ(test::names_of(u).back(), "lm_head.weight");
}

TEST(SequenceModel, RequiresAVocabulary) {
  ModelConfig c = test::tiny_config();
  c.vocab_size = 0;
  EXPECT_THROW(SequenceModel{c}, Error);
}

TEST(SequenceModel, Gpt2InitScalesResidualProjections) {
  ModelConfig c = shakespeare_config();
  SequenceModel m(c);
  m.init_parameters(1337);
  const double residual = 0.02 / std::sqrt(2.0 * 4);
  EXPECT_NEAR(std_of(parameter(m, "wte.weight")), 0.02, 0.02 * 0.05);
  EXPECT_NEAR(std_of(parameter(m, "wpe.weight")), 0.02, 0.02 * 0.05);
  EXPECT_NEAR(std_of(parameter(m, "blocks.0.mixer.wqkv.weight")), 0.02, 0.02 * 0.03);
  EXPECT_NEAR(std_of(parameter(m, "blocks.3.mlp.fc.weight")), 0.02, 0.02 * 0.03);
  EXPECT_NEAR(std_of(parameter(m, "blocks.0.mixer.wo.weight")), residual, residual * 0.03);
  EXPECT_NEAR(std_of(parameter(m, "blocks.2.mlp.proj.weight")), residual, residual * 0.03);
  for (double v : to_vector<double>(parameter(m, "blocks.1.norm2.weight").data())) EXPECT_EQ(v, 1.0);

  c.bias = true;
  c.n_layer = 1;
  SequenceModel b(c);
  b.init_parameters(1);
  for (const char* name : {"blocks.0.mixer.wqkv.bias", "blocks.0.mlp.proj.bias", "norm_f.bias"})
    for (double v : to_vector<double>(parameter(b, name).data())) EXPECT_EQ(v, 0.0) << name;
}

TEST(SequenceModel, InitIsDeterministicPerSeedAndName) {
  const ModelConfig c = test::tiny_config();
  SequenceModel a(c), b(c), other(c);
  a.init_parameters(42);
  b.init_parameters(42);
  other.init_parameters(43);
  for (size_t i = 0; i < a.parameters().size(); ++i) {
    EXPECT_EQ(max_abs_diff(a.parameters()[i].data(), b.parameters()[i].data()), 0.0);
  }
  EXPECT_GT(max_abs_diff(a.parameters()[0].data(), other.parameters()[0].data()), 0.0);
  // A parameter's values depend on its name, not on what was registered before it.
  ModelConfig no_pos = c;
  no_pos.pos = PosKind::none;
  SequenceModel n(no_pos);
  n.init_parameters(42);
  EXPECT_EQ(max_abs_diff(parameter(n, "blocks.1.mixer.wqkv.weight").data(),
                         parameter(a, "blocks.1.mixer.wqkv.weight").data()),
            0.0);
}

TEST(SequenceModel, TiedHeadAccumulatesBothGradients) {
  ModelConfig c = test::tiny_config();
  SequenceModel tied(c, DType::f64);
  tied.init_parameters(3);
  EXPECT_EQ(test::names_of(tied).front(), "wte.weight");
  for (const auto& name : test::names_of(tied)) EXPECT_EQ(name.find("lm_head"), std::string::npos);

  c.tie_embeddings = false;
  SequenceModel untied(c, DType::f64);
  StateDict sd = tied.state_dict();
  sd.emplace_back("lm_head.weight", parameter(tied, "wte.weight").data().clone());
  untied.load_state_dict(sd);

  Tensor tokens = test::random_tokens(2, 6, 7, 1), targets = test::random_tokens(2, 6, 7, 2);
  Variable lt = tied.loss(tokens, targets), lu = untied.loss(tokens, targets);
  EXPECT_NEAR(lt.item<double>(), lu.item<double>(), 1e-14);
  lt.backward();
  lu.backward();
  Tensor both = parameter(untied, "wte.weight").grad() + parameter(untied, "lm_head.weight").grad();
  EXPECT_LT(max_abs_diff(parameter(tied, "wte.weight").grad(), both), 1e-14);
  EXPECT_GT(sum(unary(UnaryOp::abs, parameter(untied, "wte.weight").grad())).item<double>(), 0.0);
}

TEST(SequenceModel, StateDictRoundTripGivesIdenticalLogits) {
  const ModelConfig c = test::tiny_config(PosKind::rope);
  SequenceModel a(c), b(c);
  a.init_parameters(1);
  b.init_parameters(2);
  Tensor tokens = test::random_tokens(2, 8, 7, 5);
  EXPECT_GT(max_abs_diff(a.forward(tokens).data(), b.forward(tokens).data()), 0.0);
  b.load_state_dict(a.state_dict());
  EXPECT_EQ(max_abs_diff(a.forward(tokens).data(), b.forward(tokens).data()), 0.0);
}

TEST(SequenceModel, ShapeMismatchNamesBothShapes) {
  ModelConfig c = test::tiny_config();
  SequenceModel a(c);
  c.vocab_size = 9;
  SequenceModel b(c);
  try {
    b.load_state_dict(a.state_dict());
    FAIL() << "mismatched vocabulary accepted";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("wte.weight"), std::string::npos) << msg;
    EXPECT_NE(msg.find("(9, 8)"), std::string::npos) << msg;
    EXPECT_NE(msg.find("(7, 8)"), std::string::npos) << msg;
  }
}

struct CausalCase {
  const char* label;
  PosKind pos;
  NormKind norm;
  MlpKind mlp;
};

// Changing token t0 (in both batch rows of L random tokens over 11 symbols) leaves every logit before t0
// bit-identical and changes every logit from t0 on.
void expect_causal(SequenceModel& m, int64_t L, std::initializer_list<int64_t> changed_positions) {
  Tensor tokens = test::random_tokens(2, L, 11, 9);
  Tensor base = m.forward(tokens).data();
  for (int64_t t0 : changed_positions) {
    Tensor changed = tokens.clone();
    changed.data<int64_t>()[t0] = (changed.data<int64_t>()[t0] + 3) % 11;          // batch row 0
    changed.data<int64_t>()[L + t0] = (changed.data<int64_t>()[L + t0] + 5) % 11;  // batch row 1
    Tensor out = m.forward(changed).data();
    if (t0 > 0) {
      EXPECT_EQ(max_abs_diff(out.narrow(1, 0, t0), base.narrow(1, 0, t0)), 0.0) << "t0 " << t0;
    }
    for (int64_t t = t0; t < L; ++t)
      EXPECT_GT(max_abs_diff(out.narrow(1, t, 1), base.narrow(1, t, 1)), 1e-6) << "t0 " << t0 << ", t " << t;
  }
}

// Changing token t0 leaves every logit before t0 bit-identical and changes some logit at ≥ t0.
TEST(SequenceModel, CausalForEveryPositionalScheme) {
  const CausalCase cases[] = {
      {"learned", PosKind::learned, NormKind::layernorm, MlpKind::gelu},
      {"sinusoidal", PosKind::sinusoidal, NormKind::layernorm, MlpKind::gelu},
      {"rope", PosKind::rope, NormKind::layernorm, MlpKind::gelu},
      {"alibi", PosKind::alibi, NormKind::layernorm, MlpKind::gelu},
      {"none", PosKind::none, NormKind::layernorm, MlpKind::gelu},
      {"rope+rmsnorm+swiglu", PosKind::rope, NormKind::rmsnorm, MlpKind::swiglu},
      {"alibi, no mlp", PosKind::alibi, NormKind::layernorm, MlpKind::none},
  };
  for (const auto& cc : cases) {
    SCOPED_TRACE(cc.label);
    ModelConfig c = test::tiny_config(cc.pos);
    c.n_embd = 16;
    c.block_size = 16;
    c.vocab_size = 11;
    c.norm = cc.norm;
    c.mlp = cc.mlp;
    c.bias = true;
    SequenceModel m(c);
    m.init_parameters(7);
    test::randomise(m, 50, 0.3);  // larger weights than init, so that every position matters visibly
    const int64_t L = 12;
    expect_causal(m, L, {0, 4, 11});
  }
}

TEST(SequenceModel, GradcheckOfTheLoss) {
  struct Case {
    PosKind pos;
    NormKind norm;
    MlpKind mlp;
    bool tied;
    int64_t n_layer;
  };
  for (const Case& k : {Case{PosKind::learned, NormKind::layernorm, MlpKind::gelu, true, 2},
                        Case{PosKind::sinusoidal, NormKind::layernorm, MlpKind::gelu, false, 1},
                        Case{PosKind::alibi, NormKind::layernorm, MlpKind::none, true, 2},
                        Case{PosKind::rope, NormKind::rmsnorm, MlpKind::swiglu, true, 1}}) {
    SCOPED_TRACE(enum_names(k.pos)[static_cast<int>(k.pos)]);
    ModelConfig c = test::tiny_config(k.pos);
    c.n_layer = k.n_layer;
    c.norm = k.norm;
    c.mlp = k.mlp;
    c.tie_embeddings = k.tied;
    c.bias = k.norm == NormKind::layernorm;
    SequenceModel m(c, DType::f64);
    m.init_parameters(11);
    test::randomise(m, 200, 0.3);
    Tensor tokens = test::random_tokens(2, 5, 7, 3), targets = test::random_tokens(2, 5, 7, 4);
    GradcheckResult r = gradcheck([&] { return m.loss(tokens, targets); }, m.parameters());
    EXPECT_TRUE(r.ok) << r.report;
  }
}

TEST(SequenceModel, LearnedPositionsRefuseLongerInputs) {
  ModelConfig c = test::tiny_config(PosKind::learned);
  SequenceModel m(c);
  m.init_parameters(1);
  try {
    m.forward(test::random_tokens(1, 9, 7, 1));
    FAIL() << "input longer than block_size accepted";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("9"), std::string::npos) << msg;
    EXPECT_NE(msg.find("block_size 8"), std::string::npos) << msg;
  }
  for (PosKind pos : {PosKind::rope, PosKind::sinusoidal, PosKind::alibi}) {  // these extrapolate
    SequenceModel x(test::tiny_config(pos));
    x.init_parameters(1);
    EXPECT_EQ(x.forward(test::random_tokens(1, 11, 7, 1)).shape(), (Shape{1, 11, 7}));
  }
}

TEST(SequenceModel, DropoutFollowsModeAndStepSeed) {
  ModelConfig c = test::tiny_config();
  c.dropout = 0.3;
  SequenceModel m(c);
  ModelConfig plain_config = c;
  plain_config.dropout = 0.0;
  SequenceModel plain(plain_config);
  m.init_parameters(1);
  plain.init_parameters(1);
  Tensor tokens = test::random_tokens(2, 8, 7, 1);
  EXPECT_THROW(m.forward(tokens), Error);  // training mode without set_rng_step
  m.set_rng_step(1, 10);
  Tensor a = m.forward(tokens).data();
  m.set_rng_step(1, 10);
  EXPECT_EQ(max_abs_diff(m.forward(tokens).data(), a), 0.0);
  m.set_rng_step(1, 11);
  EXPECT_GT(max_abs_diff(m.forward(tokens).data(), a), 0.0);
  m.eval();
  EXPECT_EQ(max_abs_diff(m.forward(tokens).data(), plain.forward(tokens).data()), 0.0);
}

// SequenceModel::step (generation) equals forward() row by row, for every mixer (attention through its
// KV cache), through two blocks with MLPs, in float64.
TEST(SequenceModel, StepEqualsForwardForEveryMixer) {
  struct Case {
    const char* name;
    std::function<void(ModelConfig&)> set;
  };
  const Case cases[] = {
      {"lstm", [](ModelConfig& c) { c.mixer = "lstm"; }},
      {"gru", [](ModelConfig& c) { c.mixer = "gru"; }},
      {"paragru", [](ModelConfig& c) { c.mixer = "paragru"; }},
      {"paralstm sequential", [](ModelConfig& c) { c.mixer = "paralstm"; c.section<RnnConfig>().mode = RnnMode::sequential; }},
      {"paragru gated block", [](ModelConfig& c) {
         c.mixer = "paragru";
         c.section<RnnConfig>().block = RnnBlock::gated;
         c.residual_scale = true;
       }},
      {"s4d", [](ModelConfig& c) { c.mixer = "s4d"; }},
      {"s4", [](ModelConfig& c) { c.mixer = "s4"; c.section<SsmConfig>().init = SsmInit::legs; }},
      {"mamba", [](ModelConfig& c) { c.mixer = "mamba"; }},
      {"mamba, learned positions", [](ModelConfig& c) { c.mixer = "mamba"; c.pos = PosKind::learned; }},
      {"gru, sinusoidal positions", [](ModelConfig& c) { c.mixer = "gru"; c.pos = PosKind::sinusoidal; }},
      {"attention, learned positions", [](ModelConfig& c) { c.pos = PosKind::learned; }},
      {"attention, sinusoidal positions", [](ModelConfig& c) { c.pos = PosKind::sinusoidal; }},
      {"attention, rope", [](ModelConfig& c) { c.pos = PosKind::rope; }},
      {"attention, alibi", [](ModelConfig& c) { c.pos = PosKind::alibi; }},
      {"attention, no positions", [](ModelConfig&) {}},
  };
  for (const Case& k : cases) {
    ModelConfig c = test::tiny_config(PosKind::none);
    c.block_size = 12;
    c.vocab_size = 11;
    c.norm = NormKind::rmsnorm;
    c.section<RnnConfig>().heads = 2;
    c.section<RnnConfig>().max_newton_iters = 30;
    c.section<RnnConfig>().tol = 1e-13;
    c.section<SsmConfig>().d_state = 4;
    k.set(c);
    SequenceModel m(c, DType::f64);
    m.init_parameters(7);
    m.eval();
    ASSERT_TRUE(m.has_step()) << k.name;
    const Tensor tokens = from_vector<int64_t>({3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8}, {1, 12});
    const Tensor logits = m.forward(tokens).data();
    std::vector<std::vector<Tensor>> state;
    for (int64_t t = 0; t < 12; ++t) {
      const Tensor row = m.step(tokens.select(1, t).contiguous(), t, state);
      EXPECT_LE(max_abs_diff(row, logits.select(1, t)), 1e-10) << k.name << ", position " << t;
    }
  }
}

// Past block_size (20 tokens, block_size 8) attention looks at a sliding window of 8 tokens in forward()
// and in step() alike, so with relative positions (and in a hybrid stack, whose Mamba block carries its
// state over everything) the KV cache still gives forward()'s rows.
TEST(SequenceModel, StepEqualsForwardPastBlockSize) {
  for (const test::KvCacheCase& k : test::kv_cache_cases()) {
    ModelConfig c = test::tiny_config(k.pos);
    c.layers = k.layers;
    c.vocab_size = 11;
    c.section<SsmConfig>().d_state = 4;
    SequenceModel m(c, DType::f64);
    m.init_parameters(7);
    test::randomise(m, 30, 0.3);
    m.eval();
    ASSERT_TRUE(m.has_step()) << k.name;
    const int64_t L = 20;
    const Tensor tokens = test::random_tokens(1, L, 11, 8);
    const Tensor logits = m.forward(tokens).data();
    std::vector<std::vector<Tensor>> state;
    for (int64_t t = 0; t < L; ++t)
      EXPECT_LE(max_abs_diff(m.step(tokens.select(1, t).contiguous(), t, state), logits.select(1, t)), 1e-10)
          << k.name << ", position " << t;
  }
}

TEST(SequenceModel, DiagnosticsReportTheLastForwardsNewtonSolve) {
  ModelConfig c = test::tiny_config(PosKind::none);
  c.mixer = "paragru";
  c.section<RnnConfig>().heads = 2;
  c.section<RnnConfig>().tol = 1e-6;
  SequenceModel par(c);
  par.init_parameters(1);
  par.forward(test::random_tokens(2, 8, c.vocab_size, 3));
  const Mixer::Diagnostics d = par.diagnostics();
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].first, "newton_iters");
  EXPECT_GE(d[0].second, 1.0);
  EXPECT_LE(d[0].second, static_cast<double>(c.section<RnnConfig>().max_newton_iters));
  EXPECT_EQ(d[1].first, "newton_residual");
  EXPECT_LE(d[1].second, 1e-6);
  c.section<RnnConfig>().mode = RnnMode::sequential;  // nothing to report without Newton, nor for attention
  EXPECT_TRUE(SequenceModel(c).diagnostics().empty());
  EXPECT_TRUE(SequenceModel(test::tiny_config()).diagnostics().empty());
}

// [attention, mamba]: a hybrid stack of the two kinds of mixer, 16 wide.
ModelConfig hybrid_config(std::vector<std::string> layers = {"attention", "mamba"}) {
  ModelConfig c = test::tiny_config(PosKind::none);
  c.n_layer = static_cast<int64_t>(layers.size());
  c.layers = std::move(layers);
  c.n_embd = 16;
  c.block_size = 16;
  c.vocab_size = 11;
  c.bias = true;
  c.section<SsmConfig>().d_state = 4;
  c.section<RnnConfig>().heads = 2;
  return c;
}

TEST(SequenceModel, HybridStackBuildsEachBlocksOwnMixer) {
  ModelConfig c = hybrid_config();
  const std::vector<std::string> names = test::names_of(SequenceModel(c));
  auto has = [&](const std::string& n) { return std::find(names.begin(), names.end(), n) != names.end(); };
  EXPECT_TRUE(has("blocks.0.mixer.wqkv.weight"));
  EXPECT_TRUE(has("blocks.1.mixer.in_proj.weight"));  // mamba
  EXPECT_FALSE(has("blocks.1.mixer.wqkv.weight"));
  EXPECT_TRUE(has("blocks.1.mlp.fc.weight"));
  ModelConfig mismatched = c;
  mismatched.n_layer = 3;
  EXPECT_CONTAINS(test::error_of([&] { SequenceModel{mismatched}; }), "model.layers names 2 mixers for model.n_layer = 3");

  // model.block = plain: x + Mixer(Norm(x)) alone, whatever model.mlp says.
  c.block = BlockKind::plain;
  const std::vector<std::string> plain = test::names_of(SequenceModel(c));
  for (const std::string& n : plain) EXPECT_EQ(n.find(".mlp."), std::string::npos) << n;
  for (const std::string& n : plain) EXPECT_EQ(n.find(".norm2."), std::string::npos) << n;
  EXPECT_TRUE(std::find(plain.begin(), plain.end(), "blocks.1.mixer.in_proj.weight") != plain.end());
}

// model.block = bare: x <- Mixer(x), the GAM paper's Mamba stack: no norm, MLP or residual in a block, so
// the stack is the mixers composed (checked by running the mixers by hand), and it still steps.
TEST(SequenceModel, BareBlocksAreTheMixersComposed) {
  ModelConfig c = hybrid_config({"mamba", "mamba"});
  c.block = BlockKind::bare;
  c.pos = PosKind::none;
  SequenceModel m(c, DType::f64);
  m.init_parameters(3);
  m.eval();
  for (const std::string& n : test::names_of(m)) {
    if (n.rfind("blocks.", 0) != 0) continue;
    EXPECT_NE(n.find(".mixer."), std::string::npos) << n << ": a bare block holds its mixer only";
  }
  ModelConfig pre_norm = c;
  pre_norm.block = BlockKind::plain;
  SequenceModel with_norms(pre_norm, DType::f64);
  EXPECT_GT(with_norms.num_parameters(), m.num_parameters());

  const Tensor tokens = from_vector<int64_t>({3, 1, 4, 1, 5, 9, 2, 6}, {1, 8});
  const Tensor logits = m.forward(tokens).data();
  std::vector<std::vector<Tensor>> state;
  for (int64_t t = 0; t < 8; ++t)
    EXPECT_LE(max_abs_diff(m.step(tokens.select(1, t).contiguous(), t, state), logits.select(1, t)), 1e-10) << t;
  // A bare block is its mixer: the same weights give the same output bit for bit.
  TransformerBlock block(c, 0, DType::f64);
  block.init_parameters(4);
  std::shared_ptr<Mixer> mixer = make_mixer("mamba", c, 0, DType::f64);
  StateDict sd;
  for (const auto& [name, t] : block.state_dict()) sd.emplace_back(name.substr(std::string("mixer.").size()), t);
  mixer->load_state_dict(sd);
  const Variable x(test::randn({2, 8, c.n_embd}, 9));
  EXPECT_EQ(max_abs_diff(block.forward(x).data(), mixer->forward(x).data()), 0.0);
}

// model.init: pytorch draws torch.nn's defaults: Linear weights and biases U(±1/√fan_in), a tied token
// embedding the head's U(±1/√D), positions N(0, 1); gpt2 draws N(0, init_std²) and zero biases.
TEST(SequenceModel, InitSchemesDrawTheirDistributions) {
  ModelConfig c = test::tiny_config(PosKind::learned);
  c.n_embd = 64;
  c.n_head = 4;
  c.block_size = 64;
  c.vocab_size = 512;
  c.bias = true;
  const auto stats = [](const Tensor& t) {
    const std::vector<double> v = to_vector<double>(t.to(DType::f64));
    double max_abs = 0, sq = 0;
    for (double x : v) max_abs = std::max(max_abs, std::abs(x)), sq += x * x;
    return std::pair{max_abs, std::sqrt(sq / static_cast<double>(v.size()))};
  };
  const auto param = [](const SequenceModel& m, const std::string& name) {
    for (const auto& [n, t] : m.state_dict())
      if (n == name) return t;
    throw Error("no " + name);
  };
  c.init = InitKind::pytorch;
  SequenceModel torch_like(c);
  torch_like.init_parameters(5);
  const double a64 = 1.0 / 8.0, a256 = 1.0 / 16.0;  // 1/√D, 1/√(4D)
  for (const auto& [name, bound] : std::vector<std::pair<std::string, double>>{
           {"wte.weight", a64}, {"blocks.0.mixer.wqkv.weight", a64}, {"blocks.0.mixer.wqkv.bias", a64},
           {"blocks.0.mixer.wo.weight", a64}, {"blocks.0.mlp.fc.bias", a64}, {"blocks.0.mlp.proj.weight", a256},
           {"blocks.0.mlp.proj.bias", a256}}) {
    const auto [max_abs, rms] = stats(param(torch_like, name));
    EXPECT_LE(max_abs, bound) << name;
    EXPECT_NEAR(rms, bound / std::sqrt(3.0), 0.1 * bound) << name << ": U(±a) has rms a/√3";
  }
  EXPECT_NEAR(stats(param(torch_like, "wpe.weight")).second, 1.0, 0.05) << "positions N(0, 1)";
  c.init = InitKind::gpt2;
  SequenceModel gpt(c);
  gpt.init_parameters(5);
  EXPECT_NEAR(stats(param(gpt, "wte.weight")).second, 0.02, 0.002);
  EXPECT_EQ(stats(param(gpt, "blocks.0.mixer.wqkv.bias")).first, 0.0);
  EXPECT_NEAR(stats(param(gpt, "blocks.0.mlp.proj.weight")).second, 0.02 / std::sqrt(2.0 * c.n_layer), 0.002);
}

// Changing token t0 leaves every logit before t0 bit-identical and changes every logit from t0 on, through
// attention and mamba blocks, in both block kinds.
TEST(SequenceModel, HybridStackIsCausal) {
  for (BlockKind block : {BlockKind::transformer, BlockKind::plain}) {
    SCOPED_TRACE(enum_name(block));
    ModelConfig c = hybrid_config();
    c.block = block;
    SequenceModel m(c);
    m.init_parameters(7);
    test::randomise(m, 50, 0.3);
    const int64_t L = 12;
    expect_causal(m, L, {0, 5, 11});
  }
}

TEST(SequenceModel, HybridStateDictRoundTripGivesIdenticalLogits) {
  const ModelConfig c = hybrid_config();
  SequenceModel a(c), b(c);
  a.init_parameters(1);
  b.init_parameters(2);
  const Tensor tokens = test::random_tokens(2, 8, 11, 5);
  EXPECT_GT(max_abs_diff(a.forward(tokens).data(), b.forward(tokens).data()), 0.0);
  b.load_state_dict(a.state_dict());
  EXPECT_EQ(max_abs_diff(a.forward(tokens).data(), b.forward(tokens).data()), 0.0);
}

// A hybrid stack steps block by block, each with its own mixer's state: [gru, mamba] and [attention, mamba].
TEST(SequenceModel, HybridStacksStepWithEachBlocksState) {
  for (const std::vector<std::string>& layers : {std::vector<std::string>{"gru", "mamba"}, {"attention", "mamba"}}) {
    ModelConfig c = hybrid_config(layers);
    c.norm = NormKind::rmsnorm;
    SequenceModel m(c, DType::f64);
    m.init_parameters(7);
    m.eval();
    ASSERT_TRUE(m.has_step()) << layers[0];
    const Tensor tokens = from_vector<int64_t>({3, 1, 4, 1, 5, 9, 2, 6}, {1, 8});
    const Tensor logits = m.forward(tokens).data();
    std::vector<std::vector<Tensor>> state;
    for (int64_t t = 0; t < 8; ++t)
      EXPECT_LE(max_abs_diff(m.step(tokens.select(1, t).contiguous(), t, state), logits.select(1, t)), 1e-10)
          << layers[0] << ", position " << t;
  }
}

}  // namespace
}  // namespace sf

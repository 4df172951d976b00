// The mixer contract: what every registered mixer must satisfy, run over every name in mixer_registry()
// (read at run time, so a newly registered mixer gets a row without touching this file) and over the
// config variants that select other code paths (kVariants below). One test per check, one row per
// variant, so a failure reads "MixerContract.StepEqualsForward/paragru_parallel_gated".
//   Causal                         perturbing input rows t..L−1 leaves output rows 0..t−1 unchanged
//   Gradcheck                      float64 finite differences w.r.t. the input and every parameter
//   StepEqualsForward              step() token by token = forward() rows (or no step, allow-listed)
//   Float32MatchesFloat64          the same parameters in float32 give the float64 output
//   ParametersNamedCountedAndTrained  unique dotted names, counts, a gradient for every parameter
//   CheckpointRoundTrip            HDF5 checkpoint save/load into a mixer of another seed
// A mixer's own test file keeps only what is specific to it (its kernels, init, options).
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "autograd/functions.h"
#include "config/section_registry.h"
#include "autograd/gradcheck.h"
#include "config/loader.h"
#include "config/yaml_writer.h"
#include "layers/registry.h"
#include "tests/layers/test_util.h"
#include "tests/random.h"
#include "tests/support.h"
#include "tests/shipped_recipes.h"
#include "train/checkpoint.h"

namespace sf {
namespace {

// Every row starts from this tiny config. Set through the loader's override path (key=value, as on
// the command line) rather than struct fields, so the rows survive sections moving between structs.
// Sizes are those each mixer's own tests use: width 8 with 2 heads, state 4, chunks shorter than
// the sequences below so the chunked scans cross a chunk boundary; ParaRNN's Newton solve converged
// to round-off so parallel mode is comparable with finite differences and with the step.
const std::vector<std::string> kBase = {
    "model.n_embd=8",          "model.n_head=2",        "model.block_size=16",         "train.seq_len=16",
    "model.bias=true",         "model.ssm.d_state=4",   "model.ssm.chunk=3",           "model.rnn.heads=2",
    "model.rnn.chunk=4",       "model.rnn.layers=2",    "model.rnn.max_newton_iters=30", "model.rnn.tol=1e-14",
    "model.rnn.d_conv=3",      "model.gam.slots=5",     "model.gam.tile_rows=4",
    "model.m2.filter_order=6",    "model.titans.chunk=4",  "model.titans.memory_expansion=2",
};

// Sizes one mixer's rows need that no other mixer accepts (MAC's segments: shorter than kLen so that segments
// follow one another). Like kBase, not a variant: recipes may use any value.
const std::map<std::string, std::vector<std::string>> kMixerSizes = {{"titans_mac", {"model.titans.segment=4"}}};

// Variants per mixer name: {row suffix, overrides}. A mixer without an entry gets one row with kBase
// alone; an empty suffix names the row by the mixer alone.
const std::map<std::string, std::vector<std::pair<std::string, std::vector<std::string>>>> kVariants = {
    {"attention",
     {{"learned", {"model.pos=learned"}},
      {"rope", {"model.pos=rope"}},
      {"alibi", {"model.pos=alibi"}},
      {"none", {"model.pos=none"}}}},
    {"s4d", {{"lin", {"model.ssm.init=s4d_lin"}}, {"inv", {"model.ssm.init=s4d_inv"}}}},
    {"s4", {{"", {"model.ssm.init=legs"}}}},  // s4 refuses any other init
    {"gam",
     {{"gated", {"model.gam.fusion=gated"}},
      {"sum", {"model.gam.fusion=sum"}},
      {"local", {"model.gam.paths=local"}},
      {"global", {"model.gam.paths=global"}}}},
    {"m2",
     {{"", {"model.m2.residual_long_conv=true"}},
      {"no_residual_conv", {"model.m2.residual_long_conv=false"}},
      {"monarch_dft", {"model.m2.fft=monarch"}}}},
    {"titans_lmm",
     {{"", {}},
      {"no_momentum", {"model.titans.momentum=false"}},
      {"no_forget", {"model.titans.forget=false"}},
      {"linear_memory", {"model.titans.memory_depth=1"}},
      {"no_conv", {"model.titans.conv=false"}},
      {"no_persistent", {"model.titans.persistent=0"}},
      {"chunk_start_read", {"model.titans.read=chunk_start"}},
      {"silu_sum", {"model.titans.activation=silu", "model.titans.loss=sum"}}}},
    {"titans_mac", {{"", {}}, {"rope", {"model.pos=rope"}}}},
    {"titans_mag",
     {{"window", {"model.attn_window=3"}},
      {"rope_full", {"model.pos=rope"}},
      {"rope_window64", {"model.pos=rope", "model.attn_window=64"}}}},  // the passkey sweep's
    {"titans_mal",
     {{"window", {"model.attn_window=3"}},
      {"rope_window", {"model.pos=rope", "model.attn_window=4"}},
      {"rope_window64", {"model.pos=rope", "model.attn_window=64"}}}},
    {"paragru",
     {{"sequential_cell", {"model.rnn.mode=sequential", "model.rnn.block=cell"}},
      {"parallel_cell", {"model.rnn.mode=parallel", "model.rnn.block=cell"}},
      {"sequential_gated", {"model.rnn.mode=sequential", "model.rnn.block=gated"}},
      {"parallel_gated", {"model.rnn.mode=parallel", "model.rnn.block=gated"}}}},
    {"paralstm",
     {{"sequential_cell", {"model.rnn.mode=sequential", "model.rnn.block=cell"}},
      {"parallel_cell", {"model.rnn.mode=parallel", "model.rnn.block=cell"}},
      {"sequential_gated", {"model.rnn.mode=sequential", "model.rnn.block=gated"}},
      {"parallel_gated", {"model.rnn.mode=parallel", "model.rnn.block=gated"}}}},
};

// Mixers allowed to have no recurrent form (attention steps with its KV cache; m2's long convolution has
// no finite state). Generation falls back to recomputing for these, so losing a step() is a regression
// this list makes visible.
const std::set<std::string> kNoStep = {"m2", "titans_mac", "titans_mag", "titans_mal"};

// Parameters allowed to get an all-zero gradient from a generic cotangent, as "mixer.param"; none so
// far. A parameter that never receives a gradient is dead weight or a broken backward.
const std::set<std::string> kNoGradient = {};

constexpr int64_t kBatch = 2;
constexpr int64_t kLen = 11;  // not a multiple of any chunk above
constexpr int64_t kGradLen = 6;

struct Row {
  std::string name;  // the gtest row name: mixer[_suffix]
  std::string mixer;
  std::vector<std::string> overrides;  // kBase, the mixer, then the variant's
};

// gtest prints the row of a failing test with this instead of its bytes.
void PrintTo(const Row& row, std::ostream* os) {
  *os << row.name << " (";
  for (size_t i = 0; i < row.overrides.size(); ++i) *os << (i ? " " : "") << row.overrides[i];
  *os << ")";
}

std::vector<Row> contract_rows() {
  std::vector<Row> rows;
  for (const MixerEntry& e : mixer_registry()) {
    // kBase's keys of the sections this mixer reads (model.ssm for mamba, none for attention): a family
    // section set for a mixer that does not read it is refused.
    std::vector<std::string> base;
    for (const std::string& o : kBase) {
      const std::string key = o.substr(0, o.find('=')), section = key.substr(6, key.find('.', 6) - 6);
      const bool family = key.find('.', 6) != std::string::npos;
      if (!family || section == mixer_section(e.name)) base.push_back(o);
    }
    base.push_back(std::string("model.mixer=") + e.name);
    if (const auto sizes = kMixerSizes.find(e.name); sizes != kMixerSizes.end())
      base.insert(base.end(), sizes->second.begin(), sizes->second.end());
    const auto it = kVariants.find(e.name);
    if (it == kVariants.end()) {
      rows.push_back({e.name, e.name, base});
      continue;
    }
    for (const auto& [suffix, extra] : it->second) {
      std::vector<std::string> o = base;
      o.insert(o.end(), extra.begin(), extra.end());
      rows.push_back({suffix.empty() ? e.name : e.name + std::string("_") + suffix, e.name, o});
    }
  }
  return rows;
}

RunConfig row_run_config(const Row& row) { return run_config_from_yaml("{}", "contract row " + row.name, row.overrides); }

class MixerContract : public ::testing::TestWithParam<Row> {
 protected:
  ModelConfig config() const { return row_run_config(GetParam()).model; }

  std::shared_ptr<Mixer> make(DType dtype, uint64_t seed) const {
    auto m = make_mixer(GetParam().mixer, config(), 0, dtype);
    m->init_parameters(seed);
    return m;
  }

  // A float64 mixer at its init moved by N(0, 0.1²) per element: away from special points such as
  // unit norm weights, zero biases and D = 1, but keeping structured inits (HiPPO, SSM spectra) stable.
  std::shared_ptr<Mixer> make_perturbed(uint64_t seed) const {
    auto m = make(DType::f64, seed);
    uint64_t s = seed * 1000;
    for (auto& p : m->parameters()) p.mutable_data().copy_(p.data() + test::randn(p.shape(), s++) * 0.1);
    return m;
  }

  static Tensor run(Mixer& m, const Tensor& x) { return m.forward(Variable(x)).data(); }
  static double scale_of(const Tensor& y) { return amax(unary(UnaryOp::abs, y.to(DType::f64))).item<double>(); }
};

TEST_P(MixerContract, Causal) {
  auto m = make_perturbed(1);
  const Tensor x = test::randn({kBatch, kLen, config().n_embd}, 2);
  const Tensor y = run(*m, x);
  const double scale = scale_of(y);
  for (int64_t t = 0; t < kLen; ++t) {
    Tensor x2 = x.clone();
    Tensor future = x2.narrow(1, t, kLen - t);
    future.copy_(future + test::randn(future.shape(), 100 + uint64_t(t)));
    const Tensor y2 = run(*m, x2);
    // FFT convolutions mix every row into round-off, hence relative 1e-12 rather than exact.
    if (t > 0) {
      EXPECT_LE(max_abs_diff(y.narrow(1, 0, t), y2.narrow(1, 0, t)), 1e-12 * scale) << "future from t = " << t;
    }
    // ... and the perturbation reaches the output at all, or the check above proves nothing.
    EXPECT_GT(max_abs_diff(y.narrow(1, t, kLen - t), y2.narrow(1, t, kLen - t)), 1e-6 * scale) << "t = " << t;
  }
}

TEST_P(MixerContract, Gradcheck) {
  auto m = make_perturbed(3);
  Variable x(test::randn({kBatch, kGradLen, config().n_embd}, 4), true);
  const GradcheckResult r = gradcheck([&] { return m->forward(x); }, test::leaves_of(*m, x));
  EXPECT_TRUE(r.ok) << "leaves: input, then " << ::testing::PrintToString(test::names_of(*m)) << "\n" << r.report;
}

TEST_P(MixerContract, StepEqualsForward) {
  auto m = make_perturbed(5);
  const std::string& mixer = GetParam().mixer;
  if (!m->has_step()) {
    EXPECT_TRUE(kNoStep.contains(mixer)) << mixer << " has no step(): generation would recompute every window";
    std::vector<Tensor> state;
    EXPECT_THROW(m->step(test::randn({kBatch, config().n_embd}, 6), 0, state), Error);
    return;
  }
  EXPECT_FALSE(kNoStep.contains(mixer)) << mixer << " has a step() now: take it off kNoStep";
  m->eval();
  const Tensor x = test::randn({kBatch, kLen, config().n_embd}, 6);
  const Tensor y = run(*m, x);
  const double scale = scale_of(y);
  std::vector<Tensor> state;
  NoGradGuard no_grad;
  for (int64_t t = 0; t < kLen; ++t) {
    const Tensor yt = m->step(x.select(1, t).contiguous(), t, state);
    ASSERT_EQ(yt.shape(), Shape({kBatch, config().n_embd})) << "t = " << t;
    EXPECT_LE(max_abs_diff(yt, y.select(1, t)), 1e-10 * scale) << "t = " << t;
  }
}

TEST_P(MixerContract, Float32MatchesFloat64) {
  auto m64 = make_perturbed(7);
  auto m32 = make(DType::f32, 8);
  m32->load_state_dict(m64->state_dict());  // converts to float32
  for (auto& p : m32->parameters()) EXPECT_EQ(p.dtype(), DType::f32);
  const Tensor x = test::randn({kBatch, kLen, config().n_embd}, 9);
  const Tensor y32 = run(*m32, x.to(DType::f32));
  EXPECT_EQ(y32.dtype(), DType::f32);
  EXPECT_LE(test::scaled_diff(y32, run(*m64, x)), 2e-5);
}

TEST_P(MixerContract, ParametersNamedCountedAndTrained) {
  auto m = make_perturbed(10);
  const auto named = m->named_parameters();
  ASSERT_FALSE(named.empty());
  std::set<std::string> seen;
  int64_t total = 0;
  for (const auto& [name, p] : named) {
    // Dotted path of identifier segments: what checkpoints and optimizer groups key on.
    bool well_formed = !name.empty() && name.front() != '.' && name.back() != '.' && name.find("..") == std::string::npos;
    for (char ch : name) well_formed &= std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '.';
    EXPECT_TRUE(well_formed) << "'" << name << "'";
    EXPECT_TRUE(seen.insert(name).second) << "duplicate parameter name " << name;
    EXPECT_GT(p.numel(), 0) << name;
    EXPECT_TRUE(p.requires_grad()) << name;
    EXPECT_EQ(p.dtype(), DType::f64) << name;
    total += p.numel();
  }
  EXPECT_EQ(m->num_parameters(), total);
  const StateDict state = m->state_dict();
  ASSERT_EQ(state.size(), named.size());
  for (size_t i = 0; i < state.size(); ++i) EXPECT_EQ(state[i].first, named[i].first);

  // A random cotangent rather than a plain sum, so that no parameter's gradient cancels by symmetry.
  Variable x(test::randn({kBatch, kLen, config().n_embd}, 11), true);
  Variable y = m->forward(x);
  sum(y * Variable(test::randn(y.shape(), 12))).backward();
  EXPECT_GT(scale_of(x.grad()), 0.0) << "no gradient reaches the input";
  for (const auto& [name, p] : named) {
    if (kNoGradient.contains(GetParam().mixer + "." + name)) continue;
    ASSERT_TRUE(p.grad().defined()) << name << " received no gradient";
    EXPECT_GT(scale_of(p.grad()), 0.0) << name << " has an all-zero gradient";
  }
}

TEST_P(MixerContract, CheckpointRoundTrip) {
  test::ScratchDir dir;
  auto source = make(DType::f32, 13);
  source->load_state_dict(make_perturbed(13)->state_dict());
  Checkpoint out;
  for (const auto& [name, t] : source->state_dict()) out.model.emplace_back(name, t.clone());
  const std::string path = checkpoint_path(dir.path(), 1);
  save_checkpoint(path, out);

  auto target = make(DType::f32, 14);  // another seed: every value must come from the file
  const Tensor x = test::randn({kBatch, kLen, config().n_embd}, 15, DType::f32);
  const Tensor expected = run(*source, x);
  EXPECT_GT(max_abs_diff(run(*target, x), expected), 0.0) << "the seeds give the same mixer; the check is void";
  load_model_state(*target, load_checkpoint(path, false), path);
  const StateDict got = target->state_dict(), want = source->state_dict();
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(max_abs_diff(got[i].second, want[i].second), 0.0) << got[i].first;
  EXPECT_EQ(max_abs_diff(run(*target, x), expected), 0.0);
}

INSTANTIATE_TEST_SUITE_P(Registry, MixerContract, ::testing::ValuesIn(contract_rows()),
                         [](const ::testing::TestParamInfo<Row>& info) { return info.param.name; });

// Every registered mixer has a row (the rows come from the registry, but a typo in kVariants'
// keys would leave a table entry unused), and every row's config is one the mixer accepts.
TEST(MixerContractRows, EveryRegisteredMixerAndVariantHasARow) {
  const std::vector<Row> rows = contract_rows();
  std::set<std::string> names;
  for (const Row& r : rows) EXPECT_TRUE(names.insert(r.name).second) << "duplicate row " << r.name;
  for (const MixerEntry& e : mixer_registry())
    EXPECT_TRUE(std::any_of(rows.begin(), rows.end(), [&](const Row& r) { return r.mixer == e.name; })) << e.name;
  for (const auto& [mixer, variants] : kVariants)
    EXPECT_TRUE(std::any_of(mixer_registry().begin(), mixer_registry().end(),
                            [&](const MixerEntry& e) { return mixer == e.name; }))
        << "kVariants names '" << mixer << "', which is not registered";
}

// The value of dotted `key` ("model.rnn.mode") in the config as written out, "" when absent.
std::string value_of(const YAML::Node& root, const std::string& key) {
  YAML::Node node = YAML::Clone(root);
  for (size_t start = 0;;) {
    const size_t dot = key.find('.', start);
    node = node[key.substr(start, dot - start)];
    if (!node.IsDefined()) return "";
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return node.IsScalar() ? node.Scalar() : YAML::Dump(node);
}

// Every shipped recipe's mixer runs in a variant the suite covers: for the keys kVariants varies for
// that mixer (pos for attention, mode and block for ParaRNN, ...), some row has the recipe's values.
// A recipe that switches on a new code path (say rnn.block: gated for a new mixer) fails here until
// the table gains the variant.
TEST(MixerContractRows, CoversEveryShippedRecipeVariant) {
  const std::vector<Row> rows = contract_rows();
  const auto runs = test::shipped_runs();
  for (const auto& [name, recipe] : runs) {
    if (recipe.model.arch != ModelArch::sequence) continue;  // the autoencoder has no mixer
    const YAML::Node written = YAML::Load(to_yaml(recipe));
    // A hybrid stack (model.layers) runs each of its mixers with the same model keys.
    std::set<std::string> mixers(recipe.model.layers.begin(), recipe.model.layers.end());
    if (mixers.empty()) mixers.insert(recipe.model.mixer);
    for (const std::string& mixer : mixers) {
      std::set<std::string> keys;
      if (const auto it = kVariants.find(mixer); it != kVariants.end())
        for (const auto& [suffix, overrides] : it->second)
          for (const std::string& o : overrides) keys.insert(o.substr(0, o.find('=')));
      bool covered = false;
      for (const Row& r : rows) {
        if (r.mixer != mixer) continue;
        const YAML::Node row = YAML::Load(to_yaml(row_run_config(r)));
        covered |= std::all_of(keys.begin(), keys.end(), [&](const std::string& k) { return value_of(row, k) == value_of(written, k); });
      }
      EXPECT_TRUE(covered) << name << ": no contract row for mixer '" << mixer << "' with its "
                           << ::testing::PrintToString(keys);
    }
  }
  EXPECT_GE(runs.size(), 40u);  // the folder was found and read, sweeps expanded
}

}  // namespace
}  // namespace sf

// Parity of the GPT (SequenceModel, pre-norm attention + GELU MLP, tied head) with PyTorch, after
// llm.c's test_gpt2: tools/parity/gpt_reference.py wrote the PyTorch model's parameters, one batch,
// its logits, loss and every gradient, and the losses of 10 AdamW steps into
// tests/parity/golden/gpt_tiny.h5. This test loads those parameters into our model, compares the
// same quantities tensor by tensor, printing each one's difference, then runs the 10 steps through
// our optimizer. It only reads the checked-in file: PyTorch is not needed.
//
// Metric, for a tensor a (ours) against b (PyTorch):  max_i |a_i − b_i| / max(max_i |b_i|, 1e-30),
// the error relative to the tensor's scale, so that float32 round-off on entries near zero (many
// gradient entries are) is not mistaken for a mismatch. Losses are scalars: |a − b| / |b|.
// Both must be ≤ 1e-4; float32 round-off alone leaves them near 1e-6.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <type_traits>

#include "config/schema.h"
#include "autograd/functions.h"
#include "core/ops.h"
#include "data/h5_file.h"
#include "layers/sequence_model.h"
#include "optim/factory.h"

namespace sf {
namespace {

constexpr double kTolerance = 1e-4;

std::string fixture_path() { return std::string(SF_SOURCE_DIR) + "/tests/parity/golden/gpt_tiny.h5"; }

// Fills each ModelConfig field from the root attribute of the same name (a field the fixture does
// not name keeps its default); enums are stored as their YAML spelling, booleans as 0/1.
struct AttrReader {
  const H5File& file;
  template <class T>
  void operator()(std::string_view key, T& field, std::string_view /*help*/) {
    const std::string k(key);
    if (!file.has_attr("/", k)) return;
    if constexpr (std::is_same_v<T, bool>) {
      field = file.read_attr_i64("/", k) != 0;
    } else if constexpr (std::is_same_v<T, int64_t>) {
      field = file.read_attr_i64("/", k);
    } else if constexpr (std::is_same_v<T, double>) {
      field = file.read_attr_f64("/", k);
    } else if constexpr (std::is_same_v<T, std::string>) {
      field = file.read_attr_string("/", k);
    } else if constexpr (ConfigEnum<T>) {
      const std::string text = file.read_attr_string("/", k);
      const auto names = enum_names(T{});
      size_t i = 0;
      while (i < names.size() && names[i] != text) ++i;
      SF_CHECK(i < names.size(), file.path(), ": attribute '", k, "' = '", text, "' is not one of ",
               enum_choices<T>());
      field = static_cast<T>(i);
    } else {
      throw Error(file.path() + ": attribute '" + k + "' has a type this test cannot read");
    }
  }
};

ModelConfig read_model_config(const H5File& file) {
  ModelConfig config;
  AttrReader reader{file};
  config.visit(reader);
  return config;
}

// See the metric at the top of the file.
double scaled_diff(const Tensor& ours, const Tensor& reference) {
  const double scale = amax(unary(UnaryOp::abs, reference.to(DType::f64))).item<double>();
  return max_abs_diff(ours, reference) / std::max(scale, 1e-30);
}

void expect_close(const std::string& what, const Tensor& ours, const Tensor& reference) {
  ASSERT_EQ(ours.shape(), reference.shape()) << what;
  const double diff = scaled_diff(ours, reference);
  std::printf("  %-32s %s  max diff / max |ref| = %.3e\n", what.c_str(), shape_str(reference.shape()).c_str(), diff);
  EXPECT_LE(diff, kTolerance) << what;
}

class GptParity : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = read_model_config(file_);
    model_ = std::make_unique<SequenceModel>(config_);
    StateDict params;
    for (const auto& [name, p] : model_->named_parameters()) {
      ASSERT_TRUE(file_.has("/params/" + name)) << "the fixture has no parameter " << name;
      params.emplace_back(name, file_.read_tensor("/params/" + name));
    }
    // strict: the fixture holds no parameter that our model lacks either.
    ASSERT_EQ(file_.list("/params").size(), params.size());
    model_->load_state_dict(params);
    x_ = file_.read_tensor("/x");
    y_ = file_.read_tensor("/y");
  }

  H5File file_ = H5File::open(fixture_path());
  ModelConfig config_;
  std::unique_ptr<SequenceModel> model_;
  Tensor x_, y_;
};

TEST_F(GptParity, FixtureDescribesTheTinyGpt) {
  // Guards against a regenerated fixture that silently tests something else.
  EXPECT_EQ(config_.mixer, "attention");
  EXPECT_EQ(config_.n_layer, 2);
  EXPECT_EQ(config_.n_head, 2);
  EXPECT_EQ(config_.n_embd, 32);
  EXPECT_EQ(config_.vocab_size, 65);
  EXPECT_EQ(config_.pos, PosKind::learned);
  EXPECT_TRUE(config_.tie_embeddings);
  EXPECT_FALSE(config_.bias);
  EXPECT_EQ(x_.shape(), (Shape{4, 16}));
  EXPECT_EQ(model_->named_parameters().size(), 2u + 6 * 2 + 1);
}

TEST_F(GptParity, LogitsLossAndGradientsMatchPyTorch) {
  std::printf("GPT parity against %s (tolerance %.0e)\n", fixture_path().c_str(), kTolerance);
  Variable logits = model_->forward(x_);
  expect_close("logits", logits.data(), file_.read_tensor("/logits"));

  Variable loss = cross_entropy(logits, y_);
  const double ours = loss.item<float>(), reference = file_.read_tensor("/loss").item<float>();
  std::printf("  %-32s ours %.7f, PyTorch %.7f, rel diff %.3e\n", "loss", ours, reference,
              std::abs(ours - reference) / std::abs(reference));
  EXPECT_LE(std::abs(ours - reference), kTolerance * std::abs(reference));

  loss.backward();
  for (const auto& [name, p] : model_->named_parameters()) {
    ASSERT_TRUE(p.grad().defined()) << name << " got no gradient";
    expect_close("grad " + name, p.grad(), file_.read_tensor("/grads/" + name));
  }
}

TEST_F(GptParity, AdamWLossesMatchPyTorch) {
  const Tensor reference = file_.read_tensor("/adamw_losses").to(DType::f64);
  OptimConfig oc;
  oc.name = OptimizerKind::adamw;
  oc.lr = file_.read_attr_f64("/adamw_losses", "lr");
  oc.beta1 = file_.read_attr_f64("/adamw_losses", "beta1");
  oc.beta2 = file_.read_attr_f64("/adamw_losses", "beta2");
  oc.eps = file_.read_attr_f64("/adamw_losses", "eps");
  oc.weight_decay = file_.read_attr_f64("/adamw_losses", "weight_decay");
  std::unique_ptr<Optimizer> opt = make_optimizer(oc, model_->named_parameters());

  const double* want = reference.data<double>();
  std::printf("AdamW (lr %g, betas %g %g, eps %g, weight decay %g), one batch:\n", oc.lr, oc.beta1, oc.beta2, oc.eps,
              oc.weight_decay);
  for (int64_t step = 0; step < reference.numel(); ++step) {
    opt->zero_grad();
    Variable loss = model_->loss(x_, y_);
    const double ours = loss.item<float>();
    const double rel = std::abs(ours - want[step]) / std::abs(want[step]);
    std::printf("  step %2lld  ours %.7f, PyTorch %.7f, rel diff %.3e\n", static_cast<long long>(step), ours,
                want[step], rel);
    EXPECT_LE(rel, kTolerance) << "step " << step;
    loss.backward();
    opt->step(oc.lr);  // constant learning rate, no clipping: the schedule and clip belong to the trainer
  }
  EXPECT_LT(want[reference.numel() - 1], want[0]);  // the run learns, so the steps are exercised
}

}  // namespace
}  // namespace sf

// MKOR convergence on the deep autoencoder of spec §4.10 (a): 256-128-64-16-64-128-256 with tanh
// between the layers, mean squared reconstruction error, batches of 128 drawn fresh each step from a
// rank-16 Gaussian plus noise (x = z·B + 0.1·ε, z ~ N(0, I_16), B fixed, N(0, 1/16)), evaluated every 10
// steps on a fixed set of 1024 rows. The autoencoder is not a sequence model, so it does not run
// through `seqforge train`; it runs the trainer's optimizer path exactly: make_optimizer from the
// recipe's optim: section, zero_grad, backward, transform_gradients, clip_grad_norm (optim.grad_clip),
// step(lr from the recipe's schedule), observe_loss.
//
// Each variant is a list of overrides on the recipe; per backbone it trains the backbone alone and under
// MKOR with the same schedule and reports, against the backbone's final evaluation loss (the target),
// the first evaluated step that reaches it and the wall time to get there, the mean ms per step and
// MKOR's time per step inside transform_gradients, factor resets, MKOR-H's switch step (0 = none) and
// NaNs. Variants per backbone: alone, MKOR (f = 10), MKOR-H; --sweep adds f ∈ {1, 50, 100}.
//   bench_mkor recipes/mkor_autoencoder.yaml [key=value ...] [--sweep]
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "autograd/functions.h"
#include "config/loader.h"
#include "core/parallel.h"
#include "core/rng.h"
#include "layers/linear.h"
#include "layers/registry.h"
#include "optim/clip.h"
#include "optim/factory.h"
#include "optim/schedule.h"

namespace {

using namespace sf;
using Clock = std::chrono::steady_clock;

constexpr int64_t kWidth = 256, kRank = 16, kBatch = 128, kEvalRows = 1024, kEvalEvery = 10;
constexpr double kNoise = 0.1;

class Autoencoder : public Module {
 public:
  Autoencoder() {
    const int64_t widths[] = {256, 128, 64, 16, 64, 128, 256};
    for (int i = 0; i + 1 < 7; ++i) {
      const double bound = 1.0 / std::sqrt(static_cast<double>(widths[i]));  // torch.nn.Linear's init
      layers_.push_back(register_module("fc" + std::to_string(i), std::make_shared<Linear>(widths[i], widths[i + 1], true,
                                                                                     Init::uniform(bound), DType::f32,
                                                                                     Init::uniform(bound))));
    }
  }
  Variable forward(const Variable& x) const {
    Variable h = x;
    for (size_t i = 0; i < layers_.size(); ++i) {
      h = layers_[i]->forward(h);
      if (i + 1 < layers_.size()) h = unary(UnaryOp::tanh, h);
    }
    return h;
  }

 private:
  std::vector<std::shared_ptr<Linear>> layers_;
};

// Rows of the rank-16 source: stream `stream` of the data seed, `rows` rows.
struct LowRankSource {
  explicit LowRankSource(uint64_t seed) : seed(seed), basis(zeros({kRank, kWidth})) {
    rng_normal(basis.data<float>(), basis.numel(), RngStream{seed, 0, 0x4241534B}, 0, 0.0, 1.0 / std::sqrt(double(kRank)));
  }
  Tensor rows(int64_t n, uint64_t stream) const {
    Tensor z = zeros({n, kRank}), noise = zeros({n, kWidth});
    rng_normal(z.data<float>(), z.numel(), RngStream{seed, stream, 0x5A5A5A5A});
    rng_normal(noise.data<float>(), noise.numel(), RngStream{seed, stream, 0x4E4F4953}, 0, 0.0, kNoise);
    return add(matmul(Variable(z, false), Variable(basis, false)), Variable(noise, false)).data();
  }
  uint64_t seed;
  Tensor basis;
};

Variable mse(const Autoencoder& m, const Tensor& x) {
  const Variable d = sub(m.forward(Variable(x, false)), Variable(x, false));
  return mean(mul(d, d));
}

struct Result {
  std::string name;
  std::vector<std::pair<int64_t, double>> evals;  // (step, eval loss)
  std::vector<double> elapsed;                    // wall seconds at each eval
  double ms_per_step = 0, transform_ms = 0, resets = 0, switch_step = 0;
  bool finite = true;
};

Result train(const std::string& name, const RunConfig& cfg) {
  set_num_threads(static_cast<int>(cfg.train.threads));
  auto model = std::make_shared<Autoencoder>();
  model->init_parameters(static_cast<uint64_t>(cfg.train.seed));
  std::unique_ptr<Optimizer> opt = make_optimizer(cfg.optim, model, 1);
  const LowRankSource source(static_cast<uint64_t>(cfg.train.seed) + 1);
  const Tensor eval_x = source.rows(kEvalRows, 0);
  LrSchedule schedule = make_schedule(cfg.optim, cfg.train.steps);
  const std::vector<Variable> params = opt->params();
  Result r{name, {}, {}};
  double train_seconds = 0;
  for (int64_t t = 0; t < cfg.train.steps; ++t) {
    const auto start = Clock::now();
    opt->zero_grad();
    Variable loss = mse(*model, source.rows(kBatch, static_cast<uint64_t>(t) + 1));
    loss.backward();
    opt->transform_gradients();
    clip_grad_norm(params, cfg.optim.grad_clip);
    opt->step(schedule.lr(t));
    opt->observe_loss(loss.item<double>());
    train_seconds += std::chrono::duration<double>(Clock::now() - start).count();
    if ((t + 1) % kEvalEvery == 0 || t + 1 == cfg.train.steps) {
      NoGradGuard no_grad;
      const double e = mse(*model, eval_x).item<double>();
      r.finite = r.finite && std::isfinite(e);
      r.evals.emplace_back(t + 1, e);
      r.elapsed.push_back(train_seconds);
    }
  }
  r.ms_per_step = 1e3 * train_seconds / static_cast<double>(cfg.train.steps);
  for (const auto& [key, value] : opt->metrics()) {
    if (key == "mkor_transform_ms") r.transform_ms = value;
    if (key == "mkor_factor_resets") r.resets = value;
    if (key == "mkor_switch_step") r.switch_step = value;
  }
  return r;
}

// The first evaluation at or below `target`: (step, seconds), or (-1, -1).
std::pair<int64_t, double> reach(const Result& r, double target) {
  for (size_t i = 0; i < r.evals.size(); ++i)
    if (r.evals[i].second <= target) return {r.evals[i].first, r.elapsed[i]};
  return {-1, -1};
}

}  // namespace

int main(int argc, char** argv) {
  try {
    if (argc < 2) {
      std::fprintf(stderr, "usage: bench_mkor RECIPE [key=value ...] [--sweep]\n");
      return 2;
    }
    (void)mixer_registry();  // the recipe's (unused) model section is checked against the registered mixers
    std::vector<std::string> overrides;
    bool sweep = false;
    for (int i = 2; i < argc; ++i) {
      if (std::strcmp(argv[i], "--sweep") == 0) sweep = true;
      else overrides.push_back(argv[i]);
    }
    // Per backbone: its learning rate (and LAMB its weight decay: the trust ratio acts on decayed tensors
    // only), then the command line's overrides, then the variant's optimizer keys.
    const std::map<std::string, std::vector<std::string>> backbone_keys{
        {"sgd", {"optim.lr=0.1", "optim.min_lr=0.01"}},
        {"adamw", {"optim.lr=1.0e-3", "optim.min_lr=1.0e-4"}},
        {"lamb", {"optim.lr=1.0e-2", "optim.min_lr=1.0e-3", "optim.weight_decay=0.01"}}};
    const auto load = [&](const std::string& backbone, const std::vector<std::string>& variant) {
      std::vector<std::string> all = backbone_keys.at(backbone);
      all.insert(all.end(), overrides.begin(), overrides.end());
      all.insert(all.end(), variant.begin(), variant.end());
      return load_run_config(argv[1], all).config;
    };
    std::printf("| variant | final eval MSE | steps to target | s to target | ms/step | MKOR ms/step | resets | MKOR-H switch | finite |\n");
    std::printf("|---|---|---|---|---|---|---|---|---|\n");
    for (const char* backbone : {"sgd", "adamw", "lamb"}) {
      const std::string b = backbone;
      const Result base = train(b, load(b, {"optim.name=" + b}));
      const double target = base.evals.back().second;
      std::vector<std::pair<std::string, std::vector<std::string>>> variants{
          {"mkor_" + b, {"optim.name=mkor", "optim.mkor.backbone=" + b}},
          {"mkor_h_" + b, {"optim.name=mkor", "optim.mkor.backbone=" + b, "optim.mkor.hybrid.enabled=true"}}};
      if (sweep)
        for (int f : {1, 50, 100})
          variants.push_back({"mkor_" + b + "_f" + std::to_string(f),
                              {"optim.name=mkor", "optim.mkor.backbone=" + b, "optim.mkor.factor_every=" + std::to_string(f)}});
      std::vector<Result> results{base};
      for (const auto& [name, keys] : variants) results.push_back(train(name, load(b, keys)));
      for (const Result& r : results) {
        const auto [steps, seconds] = reach(r, target);
        std::printf("| %s | %.5f | %lld | %.2f | %.2f | %.2f | %.0f | %.0f | %s |\n", r.name.c_str(), r.evals.back().second,
                    static_cast<long long>(steps), seconds, r.ms_per_step, r.transform_ms, r.resets, r.switch_step,
                    r.finite ? "yes" : "NO");
        std::fflush(stdout);
      }
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}

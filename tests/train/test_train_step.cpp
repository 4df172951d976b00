// The training step seam with MeZO on a model (spec/optim.md §3.7 checks 1, 6 and 7): 20 steps bitwise the
// same for one and two threads, the allocator peak of a MeZO step within that of a no-grad forward plus one z
// chunk, frozen parameters untouched; and MeZO through the Trainer: it trains, resumes bit for bit, optimises
// −accuracy on a task, and the config refuses what it cannot do.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include <unistd.h>

#include "core/allocator.h"
#include "core/ops.h"
#include "core/parallel.h"
#include "layers/adapters/attach.h"
#include "layers/sequence_model.h"
#include "optim/factory.h"
#include "optim/mezo.h"
#include "train/data_source.h"
#include "train/train_step.h"
#include "train/trainer.h"

namespace sf {
namespace {
namespace fs = std::filesystem;

RunConfig mezo_config(int64_t n_embd = 32, int64_t batch = 4) {
  RunConfig c;
  c.model.n_layer = 2;
  c.model.n_head = 2;
  c.model.n_embd = n_embd;
  c.model.block_size = 32;
  c.model.vocab_size = 64;
  c.train.batch_size = batch;
  c.train.seq_len = 32;
  c.optim.name = OptimizerKind::mezo;
  c.optim.lr = 1e-3;
  c.optim.mezo.eps = 1e-3;
  return c;
}

Batch random_batch(std::mt19937_64& gen, const RunConfig& c) {
  std::uniform_int_distribution<int64_t> tok(0, c.model.vocab_size - 1);
  std::vector<int64_t> x(static_cast<size_t>(c.train.batch_size * c.train.seq_len)), y(x.size());
  for (size_t i = 0; i < x.size(); ++i) x[i] = tok(gen), y[i] = tok(gen);
  return {from_vector(x, {c.train.batch_size, c.train.seq_len}), from_vector(y, {c.train.batch_size, c.train.seq_len})};
}

// The model's parameters, back to back (float32).
std::vector<float> flat(const Module& model) {
  std::vector<float> out;
  for (const auto& [name, t] : model.state_dict()) {
    const float* p = t.data<float>();
    out.insert(out.end(), p, p + t.numel());
  }
  return out;
}

// `steps` MeZO steps on batches from a fixed generator, of a fresh model or of `model_out`.
std::vector<float> train_mezo(const RunConfig& c, int64_t steps, int threads, SequenceModel* model_out = nullptr) {
  set_num_threads(threads);
  SequenceModel own(c.model);
  SequenceModel& model = model_out ? *model_out : own;
  if (!model_out) model.init_parameters(1);
  auto optimizer = make_optimizer(c.optim, model.named_parameters());
  std::mt19937_64 gen(5);
  auto step = make_train_step(c, StepContext{model, *optimizer, [&] { return random_batch(gen, c); }, 42, steps});
  for (int64_t t = 0; t < steps; ++t) {
    const StepOutcome o = step->prepare(t);
    EXPECT_TRUE(std::isfinite(o.loss) && o.grad_norm > 0) << "step " << t;
    step->apply(c.optim.lr);
  }
  set_num_threads(1);
  return flat(model);
}

// Check 1: the same seed gives the same bits after 20 steps, for one and two threads.
TEST(MezoStep, TwentyStepsAreBitwiseTheSameForOneAndTwoThreads) {
  RunConfig c = mezo_config();
  SequenceModel start(c.model);
  start.init_parameters(1);
  const std::vector<float> before = flat(start);
  const std::vector<float> one = train_mezo(c, 20, 1), again = train_mezo(c, 20, 1), two = train_mezo(c, 20, 2);
  ASSERT_EQ(one.size(), before.size());
  EXPECT_EQ(std::memcmp(one.data(), again.data(), one.size() * 4), 0);
  EXPECT_EQ(std::memcmp(one.data(), two.data(), one.size() * 4), 0);
  EXPECT_NE(std::memcmp(one.data(), before.data(), one.size() * 4), 0);  // it moved
  c.optim.mezo.fused_update = true;  // the same numbers with one regeneration less
  EXPECT_EQ(std::memcmp(one.data(), train_mezo(c, 20, 1).data(), one.size() * 4), 0);
}

TEST(MezoStep, LinearScheduleAndSeveralDirectionsChangeTheTrajectory) {
  RunConfig c = mezo_config();
  const std::vector<float> plain = train_mezo(c, 4, 1);
  c.optim.mezo.n_spsa = 3;
  const std::vector<float> three = train_mezo(c, 4, 1);
  EXPECT_NE(std::memcmp(plain.data(), three.data(), plain.size() * 4), 0);
  c.optim.mezo.n_schedule = SpsaSchedule::linear;  // n_t = max(1, ⌊t/4·3⌋) = 1, 1, 1, 2
  const std::vector<float> linear = train_mezo(c, 4, 1);
  EXPECT_NE(std::memcmp(plain.data(), linear.data(), plain.size() * 4), 0);
  EXPECT_NE(std::memcmp(three.data(), linear.data(), plain.size() * 4), 0);
}

// Check 6: a MeZO step needs the memory of a no-grad forward plus one chunk of z (1% slack); backprop does not.
TEST(MezoStep, APeakWithinANoGradForwardPlusOneChunk) {
  RunConfig c = mezo_config(64, 8);
  SequenceModel model(c.model);
  model.init_parameters(1);
  std::mt19937_64 gen(3);
  const Batch batch = random_batch(gen, c);
  auto mezo = make_optimizer(c.optim, model.named_parameters());
  auto mezo_step = make_train_step(c, StepContext{model, *mezo, [&] { return batch; }, 1, 1});
  RunConfig adamw = c;
  adamw.optim.name = OptimizerKind::adamw;
  auto adam = make_optimizer(adamw.optim, model.named_parameters());
  auto backprop_step = make_train_step(adamw, StepContext{model, *adam, [&] { return batch; }, 1, 1});
  int64_t largest = 0;
  for (const Variable& p : mezo->params()) largest = std::max(largest, p.numel());
  Allocator& alloc = cpu_allocator();
  const auto peak = [&](const std::function<void()>& f) {
    alloc.reset_peak();
    f();
    return static_cast<double>(alloc.stats().peak_bytes_in_use);
  };
  const auto mezo_once = [&] {
    mezo_step->prepare(0);
    mezo_step->apply(1e-3);
  };
  const auto backprop_once = [&] {
    backprop_step->prepare(0);
    backprop_step->apply(1e-3);
    adam->zero_grad();
  };
  const auto forward = [&] { evaluate(model, {batch}, false); };
  mezo_once();  // first runs may keep buffers: measure the second
  const double fwd = peak(forward), step = peak(mezo_once), bp = peak(backprop_once);
  const double bound = fwd * 1.01 + static_cast<double>(std::min(largest, kMezoChunk)) * 4;
  EXPECT_LE(step, bound) << "no-grad forward " << fwd << " bytes";
  EXPECT_GT(bp, bound) << "backprop should not fit the bound";
}

// Check 7: parameters that do not require grad (an adapter's frozen base) never move; the rest do.
TEST(MezoStep, FrozenParametersStayBitwiseUnchanged) {
  RunConfig c = mezo_config();
  SequenceModel model(c.model);
  model.init_parameters(1);
  StateDict before;
  for (const auto& [name, p] : model.named_parameters()) {
    before.emplace_back(name, p.data().clone());
    Variable handle = p;  // shares the parameter
    if (name.find("mlp") == std::string::npos) handle.set_requires_grad(false);
  }
  train_mezo(c, 10, 1, &model);
  int frozen = 0, moved = 0;
  for (const auto& [name, p] : model.named_parameters()) {
    const Tensor& b = std::find_if(before.begin(), before.end(), [&](const auto& kv) { return kv.first == name; })->second;
    const bool same = std::memcmp(b.raw_data(), p.data().raw_data(), b.nbytes()) == 0;
    if (!p.requires_grad()) {
      EXPECT_TRUE(same) << name;
      ++frozen;
    } else {
      EXPECT_FALSE(same) << name;
      ++moved;
    }
  }
  EXPECT_GT(frozen, 0);
  EXPECT_GT(moved, 0);
}

// Check 7 with LoRA (q,v r=4): MeZO's forwards run in eval mode, where the adapters merge into the frozen
// weights and unmerge after; the base must still come out bitwise unchanged, and only A and B move.
TEST(MezoStep, WithLoraOnlyTheAdaptersMoveAndTheBaseStaysBitwise) {
  RunConfig c = mezo_config();
  SequenceModel model(c.model);
  model.init_parameters(1);
  StateDict base;
  for (const auto& [name, t] : model.state_dict()) base.emplace_back(name, t.clone());
  AdapterConfig lora;
  lora.kind = AdapterKind::lora;
  ASSERT_EQ(apply_adapter_config(model, lora, 3).size(), 4u);  // q and v of 2 blocks
  StateDict start;  // the adapters' A (random) and B (zero) as attached
  for (const auto& [name, t] : model.state_dict()) start.emplace_back(name, t.clone());
  train_mezo(c, 10, 1, &model);
  int adapters = 0;
  for (const auto& [name, p] : model.named_parameters()) {
    auto it = std::find_if(base.begin(), base.end(), [&](const auto& kv) { return kv.first == name; });
    if (it != base.end()) {
      EXPECT_EQ(std::memcmp(it->second.raw_data(), p.data().raw_data(), it->second.nbytes()), 0) << name;
      continue;
    }
    ++adapters;
    it = std::find_if(start.begin(), start.end(), [&](const auto& kv) { return kv.first == name; });
    EXPECT_GT(max_abs_diff(it->second, p.data()), 0.0) << name;
  }
  EXPECT_EQ(adapters, 8);
  for (LowRankAdapter* a : find_adapters(model)) EXPECT_FALSE(a->merged()) << a->site().name;
}

std::string temp_dir(const std::string& name) {
  fs::path p = fs::path(testing::TempDir()) / ("sf_train_step_" + name + "_" + std::to_string(getpid()));
  fs::remove_all(p);
  fs::create_directories(p);
  return p.string();
}

std::string write_recipe(const std::string& dir, const std::string& body) {
  std::ofstream f(dir + "/mezo.yaml");
  f << body;
  return dir + "/mezo.yaml";
}

std::string tiny_text_recipe(const std::string& extra_optim = "") {
  std::ostringstream s;
  s << "model: {n_layer: 2, n_head: 2, n_embd: 32, block_size: 32}\n"
    << "data: {path: " << SF_SOURCE_DIR << "/data/corpora/tinyshakespeare.txt}\n"
    << "optim: {name: mezo, lr: 1.0e-3, schedule: constant, warmup_steps: 0, weight_decay: 0.1" << extra_optim << "}\n"
    << "train: {steps: 12, batch_size: 4, seq_len: 32, log_every: 1, eval_every: 6, eval_batches: 2,\n"
    << "        checkpoint_every: 6, threads: 1}\n";
  return s.str();
}

TEST(MezoTrainer, ResumesBitForBitAndLogsTheLossAtThePlusPoint) {
  const std::string dir = temp_dir("resume");
  const std::string recipe = write_recipe(dir, tiny_text_recipe());
  std::ostringstream log;
  Trainer straight(load_run_config(recipe), TrainOptions{dir + "/straight"});
  const std::vector<StepLog> a = straight.run(log);
  Trainer first(load_run_config(recipe), TrainOptions{dir + "/split", false, 6});
  std::vector<StepLog> b = first.run(log);
  Trainer second(load_run_config(recipe), TrainOptions{dir + "/split", true});
  EXPECT_EQ(second.step(), 6);
  const std::vector<StepLog> rest = second.run(log);
  b.insert(b.end(), rest.begin(), rest.end());
  ASSERT_EQ(a.size(), 12u);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].loss, b[i].loss) << "step " << a[i].step;
    EXPECT_EQ(a[i].grad_norm, b[i].grad_norm) << "step " << a[i].step;
    EXPECT_GT(a[i].grad_norm, 0);
  }
  EXPECT_EQ(std::memcmp(flat(straight.model()).data(), flat(second.model()).data(), flat(second.model()).size() * 4), 0);
}

TEST(MezoTrainer, LogsMinusAccuracyAsItsObjectiveOnATask) {
  const std::string dir = temp_dir("accuracy");
  const std::string recipe = write_recipe(dir,
                                          "model: {n_layer: 1, n_head: 2, n_embd: 16, block_size: 16}\n"
                                          "data: {dataset: keep_nth, task: {vocab_size: 8, keep_n: 2, eval_examples: 8}}\n"
                                          "optim: {name: mezo, lr: 1.0e-3, mezo: {objective: accuracy, eps: 0.01}}\n"
                                          "train: {steps: 3, batch_size: 4, seq_len: 8, log_every: 1, eval_every: 3,\n"
                                          "        eval_batches: 1, checkpoint_every: 0, threads: 1}\n");
  std::ostringstream log;
  const std::vector<StepLog> logs = Trainer(load_run_config(recipe), TrainOptions{dir + "/run"}).run(log);
  ASSERT_EQ(logs.size(), 3u);
  for (const StepLog& l : logs) EXPECT_TRUE(l.loss <= 0 && l.loss >= -1) << "the objective is -accuracy: " << l.loss;
}

TEST(MezoConfig, RefusesWhatMezoCannotDo) {
  const std::string dir = temp_dir("config");
  const auto refused = [&](const std::string& body, const std::string& needle) {
    try {
      load_run_config(write_recipe(dir, body));
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
      return;
    }
    ADD_FAILURE() << "accepted: " << body;
  };
  const std::string model = "model: {n_layer: 1, n_head: 2, n_embd: 16, block_size: 16}\n";
  refused(model + "optim: {name: mezo}\ntrain: {grad_accum: 2, seq_len: 16}\n", "train.grad_accum");
  refused(model + "optim: {name: adamw, mezo: {eps: 0.01}}\ntrain: {seq_len: 16}\n", "optim.mezo.eps");
  refused(model + "optim: {name: mezo, grad_clip: 1.0}\ntrain: {seq_len: 16}\n", "optim.grad_clip");
  refused(model + "optim: {name: mezo, mezo: {objective: accuracy}}\ntrain: {seq_len: 16}\n", "optim.mezo.objective");
  refused(model + "optim: {name: mezo, mezo: {n_spsa: 0}}\ntrain: {seq_len: 16}\n", "optim.mezo.n_spsa");
  refused(model + "optim: {name: mezo, mezo: {scale_lr_with_samples: true}}\ntrain: {seq_len: 16}\n", "scale_lr_with_samples");
  // Clipping switched off explicitly is what a MeZO variant of a sweep over a clipped recipe writes.
  EXPECT_NO_THROW(load_run_config(write_recipe(dir, model + "optim: {name: mezo, grad_clip: 0}\ntrain: {seq_len: 16}\n")));
}

}  // namespace
}  // namespace sf

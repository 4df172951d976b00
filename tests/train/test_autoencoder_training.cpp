// model.arch: autoencoder through the ordinary trainer (spec optim.md §4.10 a): it learns the low-rank data,
// logs rows/s, ms/step and the validation MSE, resumes bit for bit under MKOR (factors, counters and the
// data counter in the checkpoint), and what only a sequence model has is refused with the reason.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

#include "core/error.h"
#include "data/synthetic/lowrank_gaussian.h"
#include "layers/autoencoder.h"
#include "train/checkpoint.h"
#include "train/data_source.h"
#include "train/metrics.h"
#include "train/session.h"
#include "train/trainer.h"

namespace sf {
namespace {
namespace fs = std::filesystem;

std::string temp_dir(const std::string& name) {
  fs::path p = fs::path(testing::TempDir()) / ("sf_autoencoder_" + name + "_" + std::to_string(getpid()));
  fs::remove_all(p);
  fs::create_directories(p);
  return p.string();
}

// A small autoencoder on rank-4 rows of width 32.
std::string write_recipe(const std::string& dir, const std::string& optim, int64_t steps = 40) {
  std::ofstream f(dir + "/ae.yaml");
  f << "model: {arch: autoencoder, autoencoder: {widths: [32, 16, 4, 16, 32], activation: tanh}}\n"
    << "data: {dataset: lowrank_gaussian, task: {dim: 32, rank: 4, noise: 0.05, eval_examples: 64}}\n"
    << "optim: {" << optim << "}\n"
    << "train: {steps: " << steps << ", batch_size: 16, log_every: 1, eval_every: 10, eval_batches: 4,\n"
    << "        checkpoint_every: 10, seed: 3, threads: 1}\n";
  return dir + "/ae.yaml";
}

std::vector<float> flat(const Module& model) {
  std::vector<float> out;
  for (const auto& [name, t] : model.state_dict()) out.insert(out.end(), t.data<float>(), t.data<float>() + t.numel());
  return out;
}

double field(const std::vector<std::pair<std::string, double>>& row, const std::string& key) {
  for (const auto& [k, v] : row)
    if (k == key) return v;
  return NAN;
}

TEST(AutoencoderTraining, TheLossFallsAndTheLogCountsRows) {
  const std::string dir = temp_dir("learns");
  const std::string recipe = write_recipe(dir, "name: adamw, lr: 1.0e-2, min_lr: 1.0e-3, warmup_steps: 5, weight_decay: 0");
  std::ostringstream log;
  Trainer t(load_run_config(recipe), TrainOptions{dir + "/run"});
  EXPECT_EQ(t.sequence_model(), nullptr);
  EXPECT_EQ(t.tokenizer(), nullptr);
  const std::vector<StepLog> logs = t.run(log);
  ASSERT_EQ(logs.size(), 40u);
  EXPECT_LT(logs.back().val_loss, 0.6 * logs[9].val_loss) << log.str();
  EXPECT_LT(logs.back().loss, 0.6 * logs.front().loss);
  EXPECT_NE(log.str().find(" rows/s | "), std::string::npos);
  EXPECT_EQ(log.str().find("tok/s"), std::string::npos);
  const auto rows = read_metrics(dir + "/run/metrics.jsonl");
  ASSERT_EQ(rows.size(), 40u);
  EXPECT_GT(field(rows.back(), "rows_per_s"), 0);
  EXPECT_GT(field(rows.back(), "step_ms"), 0);
  EXPECT_TRUE(std::isnan(field(rows.back(), "tokens_per_s")));
  EXPECT_EQ(field(rows.back(), "val_loss"), logs.back().val_loss);
  // The validation loss is the MSE over the fixed evaluation rows (64 rows in batches of 16).
  LowRankGaussianSource rows_source(LowRankOptions{t.config().data.task, 16, 3, 0, 1});
  double mse = 0;
  for (const Batch& b : rows_source.eval_batches(0)) mse += t.model().loss(b.x, b.y).item<double>() / 4;
  EXPECT_NEAR(t.evaluate().loss, mse, 1e-7);
}

TEST(AutoencoderTraining, MkorResumesBitForBitAndCountsResets) {
  const std::string dir = temp_dir("resume");
  const std::string recipe = write_recipe(
      dir,
      "name: mkor, lr: 0.05, min_lr: 0.005, warmup_steps: 3, weight_decay: 0, "
      "mkor: {backbone: sgd, factor_every: 3, hybrid: {enabled: true, window: 5, patience: 1, min_rel_decrease: 0.5}}",
      30);
  std::ostringstream log;
  Trainer straight(load_run_config(recipe), TrainOptions{dir + "/straight"});
  const std::vector<StepLog> a = straight.run(log);
  Trainer first(load_run_config(recipe), TrainOptions{dir + "/split", false, 13});
  std::vector<StepLog> b = first.run(log);
  Trainer second(load_run_config(recipe), TrainOptions{dir + "/split", true});
  EXPECT_EQ(second.step(), 13);
  const std::vector<StepLog> rest = second.run(log);
  b.insert(b.end(), rest.begin(), rest.end());
  ASSERT_EQ(a.size(), 30u);
  ASSERT_EQ(b.size(), 30u);
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].loss, b[i].loss) << "step " << a[i].step;
    EXPECT_EQ(a[i].grad_norm, b[i].grad_norm) << "step " << a[i].step;
    EXPECT_TRUE(std::isfinite(a[i].loss));
  }
  EXPECT_EQ(a.back().val_loss, b.back().val_loss);
  const std::vector<float> pa = flat(straight.model()), pb = flat(second.model());
  ASSERT_EQ(pa.size(), pb.size());
  EXPECT_EQ(std::memcmp(pa.data(), pb.data(), pa.size() * sizeof(float)), 0);
  const auto straight_rows = read_metrics(dir + "/straight/metrics.jsonl");
  const auto split_rows = read_metrics(dir + "/split/metrics.jsonl");
  ASSERT_EQ(split_rows.size(), 30u);
  EXPECT_EQ(field(straight_rows.back(), "mkor_factor_resets"), 0);
  EXPECT_EQ(field(split_rows.back(), "mkor_switch_step"), field(straight_rows.back(), "mkor_switch_step"));
  EXPECT_GT(field(straight_rows.back(), "mkor_switch_step"), 0) << "the hybrid switched within 30 steps";
}

TEST(AutoencoderTraining, SequenceOnlyUsesOfTheCheckpointAreRefused) {
  const std::string dir = temp_dir("refused");
  const std::string recipe = write_recipe(dir, "name: sgd, lr: 0.1, min_lr: 0.01", 10);
  std::ostringstream log;
  Trainer(load_run_config(recipe), TrainOptions{dir + "/run"}).run(log);
  const std::string ckpt = latest_checkpoint(dir + "/run/checkpoints");
  const LoadedModel m = load_model(ckpt);
  EXPECT_NE(dynamic_cast<Autoencoder*>(m.model.get()), nullptr);
  EXPECT_EQ(m.tokenizer, nullptr);
  try {
    m.sequence_model("seqforge generate");
    ADD_FAILURE() << "an autoencoder served as a sequence model";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("seqforge generate needs a sequence model; this checkpoint holds model.arch: "
                                         "autoencoder"),
              std::string::npos)
        << e.what();
  }
  // seqforge eval's path: the stored config rebuilds the data, and the loss is the run's last validation loss.
  auto source = make_batch_source(m.config, nullptr);
  const EvalResult r = evaluate(*m.model, source->eval_batches(m.config.train.eval_batches), source->scores_accuracy());
  EXPECT_EQ(r.accuracy, -1);
  EXPECT_NEAR(r.loss, field(read_metrics(dir + "/run/metrics.jsonl").back(), "val_loss"), 1e-12);
}

}  // namespace
}  // namespace sf

// The training loop: resume equals an uninterrupted run, step by step; gradient accumulation
// equals one big batch; checkpoints round-trip and are pruned.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "autograd/functions.h"
#include "core/parallel.h"
#include "train/checkpoint.h"
#include "train/trainer.h"

namespace sf {
namespace {
namespace fs = std::filesystem;

std::string corpus() { return std::string(SF_SOURCE_DIR) + "/data/corpora/tinyshakespeare.txt"; }

// A tiny GPT recipe in a fresh temp directory; returns its path.
std::string write_recipe(const std::string& dir, const std::string& extra = "") {
  fs::create_directories(dir);
  std::ofstream f(dir + "/tiny.yaml");
  f << "model: {n_layer: 2, n_head: 2, n_embd: 32, block_size: 32}\n"
    << "data: {path: " << corpus() << "}\n"
    << "optim: {lr: 3.0e-3, warmup_steps: 20}\n"
    << "train: {steps: 200, batch_size: 4, seq_len: 32, log_every: 10, eval_every: 100, eval_batches: 2,\n"
    << "        checkpoint_every: 100, threads: 1}\n"
    << extra;
  return dir + "/tiny.yaml";
}

std::string temp_dir(const std::string& name) {
  fs::path p = fs::path(testing::TempDir()) / ("sf_trainer_" + name);
  fs::remove_all(p);
  return p.string();
}

TEST(Trainer, ResumeContinuesTheExactLossTrajectory) {
  std::string dir = temp_dir("resume");
  std::string recipe = write_recipe(dir);
  std::ostringstream log;
  Trainer straight(load_run_config(recipe), TrainOptions{dir + "/straight"});
  std::vector<StepLog> a = straight.run(log);

  Trainer first(load_run_config(recipe), TrainOptions{dir + "/split", false, 100});
  std::vector<StepLog> b = first.run(log);
  EXPECT_EQ(first.step(), 100);
  Trainer second(load_run_config(recipe), TrainOptions{dir + "/split", true});
  EXPECT_EQ(second.step(), 100);
  std::vector<StepLog> c = second.run(log);
  b.insert(b.end(), c.begin(), c.end());

  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].step, b[i].step);
    EXPECT_EQ(a[i].loss, b[i].loss) << "step " << a[i].step;  // bitwise: same thread count
    EXPECT_EQ(a[i].grad_norm, b[i].grad_norm) << "step " << a[i].step;
  }
  EXPECT_LT(a.back().loss, a.front().loss - 0.5) << "the tiny model did not learn";
  EXPECT_TRUE(fs::exists(dir + "/straight/metrics.jsonl"));
  EXPECT_TRUE(fs::exists(dir + "/straight/config.resolved.yaml"));
}

TEST(Trainer, GradientAccumulationEqualsOneBigBatch) {
  std::string dir = temp_dir("accum");
  Trainer t(load_run_config(write_recipe(dir)), TrainOptions{dir + "/run"});
  SequenceModel& model = t.model();
  std::vector<int64_t> ids(8 * 33);
  for (size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<int64_t>((i * 37 + i / 7) % 65);
  Tensor all = from_vector<int64_t>(ids, {8, 33});
  Tensor x = all.narrow(1, 0, 32).contiguous(), y = all.narrow(1, 1, 32).contiguous();
  auto take_grads = [&] {
    std::vector<Tensor> g;
    for (auto& [name, p] : model.named_parameters()) {
      g.push_back(p.grad());
      p.zero_grad();
    }
    return g;
  };
  model.loss(x, y).backward();
  std::vector<Tensor> big = take_grads();
  for (int64_t m = 0; m < 4; ++m)
    (model.loss(x.narrow(0, 2 * m, 2), y.narrow(0, 2 * m, 2)) * 0.25).backward();
  std::vector<Tensor> accumulated = take_grads();
  ASSERT_EQ(big.size(), accumulated.size());
  for (size_t i = 0; i < big.size(); ++i) EXPECT_LE(max_abs_diff(big[i], accumulated[i]), 1e-6) << "parameter " << i;
}

TEST(Checkpoint, PruneKeepsTheNewestAndMilestones) {
  std::string dir = temp_dir("prune");
  fs::create_directories(dir);
  for (int64_t s : {100, 200, 300, 400, 500}) std::ofstream(checkpoint_path(dir, s)) << "x";
  prune_checkpoints(dir, 2, {200});
  EXPECT_FALSE(fs::exists(checkpoint_path(dir, 100)));
  EXPECT_TRUE(fs::exists(checkpoint_path(dir, 200)));
  EXPECT_FALSE(fs::exists(checkpoint_path(dir, 300)));
  EXPECT_TRUE(fs::exists(checkpoint_path(dir, 400)));
  EXPECT_EQ(latest_checkpoint(dir), checkpoint_path(dir, 500));
}

}  // namespace
}  // namespace sf

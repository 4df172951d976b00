// Adapter runs end to end (spec optim.md §1.6, §1.7): a base trained, then adapted with train.init_from;
// only the adapters change, a resume continues the exact loss trajectory, the adapter file loads onto the
// base, and `export --merge` gives a plain checkpoint with the same logits.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "autograd/functions.h"
#include "core/ops.h"
#include "data/h5_file.h"
#include "layers/adapters/attach.h"
#include "train/adapter_checkpoint.h"
#include "train/checkpoint.h"
#include "train/export_merged.h"
#include "train/session.h"
#include "train/trainer.h"

namespace sf {
namespace {
namespace fs = std::filesystem;

std::string temp_dir(const std::string& name) {
  fs::path p = fs::path(testing::TempDir()) / ("sf_adapters_" + name + "_" + std::to_string(getpid()));
  fs::remove_all(p);
  fs::create_directories(p);
  return p.string();
}

std::string write_recipe(const std::string& dir, const std::string& name, const std::string& extra) {
  std::ofstream f(dir + "/" + name);
  f << "model: {n_layer: 2, n_head: 2, n_embd: 32, block_size: 32}\n"
    << "data: {path: " << SF_SOURCE_DIR << "/data/corpora/tinyshakespeare.txt, tokenizer: byte}\n"
    << "optim: {lr: 3.0e-3, warmup_steps: 5}\n"
    << "train: {steps: 20, batch_size: 4, seq_len: 32, log_every: 5, eval_every: 10, eval_batches: 2,\n"
    << "        checkpoint_every: 10, threads: 1}\n"
    << extra;
  return dir + "/" + name;
}

// The base every test adapts: 20 steps of the tiny GPT.
std::string base_checkpoint(const std::string& dir) {
  std::ostringstream log;
  Trainer base(load_run_config(write_recipe(dir, "base.yaml", "")), TrainOptions{dir + "/base"});
  base.run(log);
  return dir + "/base/checkpoints/step_000020.h5";
}

TEST(AdapterTraining, OnlyAdaptersChangeAndResumeIsExact) {
  const std::string dir = temp_dir("lora");
  const std::string base = base_checkpoint(dir);
  const std::string recipe =
      write_recipe(dir, "adapt.yaml", "adapter: {kind: lora, targets: [qkvo], rank: 2, alpha: 4, dropout: 0.1}\n");
  const std::vector<std::string> from_base{"train.init_from=" + base};
  std::ostringstream log;
  Trainer straight(load_run_config(recipe, from_base), TrainOptions{dir + "/straight"});
  std::ostringstream describe;
  straight.describe(describe);
  EXPECT_NE(describe.str().find(" trainable\n"), std::string::npos);
  const std::vector<StepLog> a = straight.run(log);

  // The base weights are those of the checkpoint; the adapters moved.
  const Checkpoint before = load_checkpoint(base, false);
  const StateDict after = straight.model().state_dict();
  for (const auto& [name, t] : before.model) {
    auto it = std::find_if(after.begin(), after.end(), [&](const auto& p) { return p.first == name; });
    ASSERT_NE(it, after.end()) << name;
    EXPECT_EQ(max_abs_diff(it->second, t), 0.0) << name;
  }
  for (const auto& [name, t] : after) {
    if (name == "blocks.1.mixer.wo.lora.B") EXPECT_GT(amax(unary(UnaryOp::abs, t)).item<double>(), 0.0) << "B moved";
  }
  EXPECT_TRUE(fs::exists(dir + "/straight/adapter.h5"));

  Trainer first(load_run_config(recipe, from_base), TrainOptions{dir + "/split", false, 10});
  std::vector<StepLog> b = first.run(log);
  Trainer second(load_run_config(recipe, from_base), TrainOptions{dir + "/split", true});
  EXPECT_EQ(second.step(), 10);
  const std::vector<StepLog> c = second.run(log);
  b.insert(b.end(), c.begin(), c.end());
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].loss, b[i].loss) << "step " << a[i].step;

  // The adapter file on a fresh copy of the base gives the run's logits.
  const std::string adapter = dir + "/straight/adapter.h5";
  LoadedModel fresh = load_model(base);
  fresh.model->train();
  apply_adapter_config(*fresh.model, read_adapter_config(adapter), 0);
  load_adapter(adapter, *fresh.model);
  fresh.model->eval();
  straight.model().eval();
  const Tensor tokens = zeros({1, 16}, DType::i64) + 65.0;
  NoGradGuard no_grad;
  const Tensor expected = straight.model().forward(tokens).data();
  EXPECT_EQ(max_abs_diff(fresh.model->forward(tokens).data(), expected), 0.0);

  // export --merge: a plain checkpoint, loadable by eval/generate, with (nearly) the same logits.
  const std::string merged = export_merged(dir + "/straight/checkpoints/step_000020.h5", dir + "/merged.h5").path;
  LoadedModel plain = load_model(merged);
  EXPECT_TRUE(find_adapters(*plain.model).empty());
  EXPECT_EQ(plain.config.adapter.kind, AdapterKind::none);
  const double scale = amax(unary(UnaryOp::abs, expected)).item<double>();
  EXPECT_LE(max_abs_diff(plain.model->forward(tokens).data(), expected), 1e-5 * scale);

  // The base plus the adapter file gives the same plain model; another base is refused.
  LoadedModel from_file = load_model(export_merged(base, dir + "/from_file.h5", adapter).path);
  EXPECT_EQ(max_abs_diff(from_file.model->forward(tokens).data(), plain.model->forward(tokens).data()), 0.0);
  try {
    export_merged(dir + "/base/checkpoints/step_000010.h5", dir + "/wrong.h5", adapter);
    ADD_FAILURE() << "an adapter merged into another base";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("fingerprint"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(dir + "/wrong.h5"));
  // --force merges it all the same and hands back the mismatch, both fingerprints named, as a warning.
  const MergedExport forced = export_merged(dir + "/base/checkpoints/step_000010.h5", dir + "/wrong.h5", adapter, true);
  EXPECT_TRUE(fs::exists(forced.path));
  const std::string stored = H5File::open(adapter).read_attr_string("/", "base_fingerprint");
  EXPECT_NE(forced.warning.find(stored), std::string::npos) << forced.warning;
  EXPECT_NE(forced.warning.find("this model's base has fingerprint"), std::string::npos) << forced.warning;
  EXPECT_TRUE(export_merged(base, dir + "/again.h5", adapter, true).warning.empty()) << "the right base: no warning";
}

TEST(AdapterTraining, NolaRunTrainsOnlyCoefficients) {
  const std::string dir = temp_dir("nola");
  const std::string base = base_checkpoint(dir);
  const std::string recipe = write_recipe(dir, "adapt.yaml",
                                          "adapter: {kind: nola, targets: [all_linear], rank: 2, alpha: 2, nola: "
                                          "{num_basis_a: 8, num_basis_b: 8, chunk: 3}}\n");
  std::ostringstream log;
  Trainer t(load_run_config(recipe, {"train.init_from=" + base, "train.steps=10"}), TrainOptions{dir + "/run"});
  std::ostringstream describe;
  t.describe(describe);
  EXPECT_NE(describe.str().find(", 192 trainable"), std::string::npos) << describe.str();  // 2 blocks x 6 x 16
  const std::vector<StepLog> logs = t.run(log);
  EXPECT_TRUE(std::isfinite(logs.back().loss));
  EXPECT_TRUE(fs::exists(dir + "/run/adapter.h5"));
}

}  // namespace
}  // namespace sf

// checkpoint.save_optimizer: false writes checkpoints without optimizer state (release artefacts): no
// /optim group and the has_optimizer attribute saying so; resuming from one is refused, naming the file
// and train.init_from, which does start a new run from its weights.
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include "core/ops.h"
#include "data/h5_file.h"
#include "tests/support.h"
#include "tests/tools/seqforge_process.h"
#include "train/checkpoint.h"
#include "train/trainer.h"

namespace sf {
namespace {
namespace fs = std::filesystem;

// Trains the tiny recipe for 4 steps into `dir`/`run` with `overrides`; returns the checkpoint.
std::string train(const std::string& recipe, const std::string& dir, const std::vector<std::string>& overrides) {
  std::ostringstream log;
  Trainer(load_run_config(recipe, overrides), TrainOptions{dir}).run(log);
  return checkpoint_path(dir + "/checkpoints", 4);
}

TEST(WeightsOnlyCheckpoint, HoldsNoOptimizerStateAndSaysSo) {
  test::ScratchDir dir;
  const std::string recipe = test::write_tiny_recipe(dir.path(), "steps: 4, checkpoint_every: 4");
  const std::string full = train(recipe, dir.path("full"), {});
  const std::string weights = train(recipe, dir.path("weights"), {"checkpoint.save_optimizer=false"});

  H5File f = H5File::open(weights);
  EXPECT_FALSE(f.has("/optim"));
  EXPECT_EQ(f.read_attr_i64("/", "has_optimizer"), 0);
  EXPECT_EQ(H5File::open(full).read_attr_i64("/", "has_optimizer"), 1);
  const Checkpoint a = load_checkpoint(full), b = load_checkpoint(weights);
  EXPECT_TRUE(a.has_optimizer);
  EXPECT_FALSE(b.has_optimizer);
  EXPECT_TRUE(b.optim.empty());
  ASSERT_EQ(a.model.size(), b.model.size());
  for (size_t i = 0; i < a.model.size(); ++i)
    EXPECT_EQ(max_abs_diff(a.model[i].second, b.model[i].second), 0.0) << "the same training: " << a.model[i].first;
  EXPECT_LT(fs::file_size(weights), fs::file_size(full));
}

TEST(WeightsOnlyCheckpoint, ResumeIsRefusedNamingTheFileAndInitFrom) {
  test::ScratchDir dir;
  const std::string recipe = test::write_tiny_recipe(dir.path(), "steps: 4, checkpoint_every: 4");
  const std::string weights = train(recipe, dir.path("weights"), {"checkpoint.save_optimizer=false"});
  const std::string message = test::error_of(
      [&] { Trainer(load_run_config(recipe, {"train.steps=8"}), TrainOptions{dir.path("weights"), true}); });
  EXPECT_CONTAINS(message, "checkpoint " + weights + " has no optimizer state");
  EXPECT_CONTAINS(message, "train.init_from=" + weights);
}

TEST(WeightsOnlyCheckpoint, StartsANewRunThroughInitFrom) {
  test::ScratchDir dir;
  const std::string recipe = test::write_tiny_recipe(dir.path(), "steps: 4, checkpoint_every: 4");
  const std::string weights = train(recipe, dir.path("weights"), {"checkpoint.save_optimizer=false"});
  Trainer tuned(load_run_config(recipe, {"train.init_from=" + weights}), TrainOptions{dir.path("tuned")});
  const Checkpoint c = load_checkpoint(weights);
  for (const auto& [name, t] : c.model) {
    for (const auto& [own, p] : tuned.model().named_parameters()) {
      if (own != name) continue;
      EXPECT_EQ(max_abs_diff(p.data(), t), 0.0) << name;
    }
  }
  std::ostringstream log;
  EXPECT_EQ(tuned.run(log).back().step, 4);
  EXPECT_TRUE(load_checkpoint(checkpoint_path(dir.path("tuned/checkpoints"), 4)).has_optimizer)
      << "the new run saves its optimizer state (save_optimizer is true by default)";
}

}  // namespace
}  // namespace sf

// Sweep files (train/sweep.h): expansion into runs, and every kind of bad sweep refused before anything
// trains, at the line that wrote it. Results tables (train/sweep_results.h) from run directories.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "config/yaml_writer.h"
#include "layers/adapters/attach.h"
#include "layers/sequence_model.h"
#include "train/checkpoint.h"
#include "train/metrics.h"
#include "train/sweep.h"
#include "train/sweep_results.h"
#include "tests/support.h"

namespace sf::test {
namespace {
namespace fs = std::filesystem;

// A base recipe next to the sweep file; its corpus relative to it, as the shipped recipes write theirs.
class SweepTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.write("corpus.txt", std::string(4000, 'a') + "bcdefgh\n");
    dir_.write("base.yaml",
               "model: {n_layer: 1, n_head: 2, n_embd: 16, block_size: 16}\n"
               "data: {path: corpus.txt}\n"
               "train: {steps: 20, batch_size: 2, seq_len: 16}\n");
  }
  std::string sweep(const std::string& body) { return dir_.write("sweep.yaml", "base: base.yaml\n" + body); }
  ScratchDir dir_;
};

TEST_F(SweepTest, GridIsEveryCombinationNamedByItsValues) {
  const Sweep s = load_sweep(sweep("sweep:\n  grid:\n    model.mixer: [attention, mamba]\n    optim.lr: [1.0e-3, 3.0e-3]\n"));
  ASSERT_EQ(s.runs.size(), 4u);
  EXPECT_EQ(s.runs[0].variant, "mixer=attention,lr=1.0e-3");
  EXPECT_EQ(s.runs[3].variant, "mixer=mamba,lr=3.0e-3");
  EXPECT_EQ(s.runs[3].dir, s.runs[3].variant);
  EXPECT_EQ(s.runs[3].override_texts(), (std::vector<std::string>{"model.mixer=mamba", "optim.lr=3.0e-3"}));
  EXPECT_EQ(s.swept_keys, (std::vector<std::string>{"model.mixer", "optim.lr"}));
  EXPECT_EQ(s.base, fs::path(dir_.path("base.yaml")).lexically_normal().string());
}

TEST_F(SweepTest, VariantsTimesGridTimesSeedsWithSharedAndCommandLineOverrides) {
  const Sweep s = load_sweep(sweep("sweep:\n"
                                   "  set: {train.steps: 7}\n"
                                   "  grid: {optim.lr: [1.0e-3, 3.0e-3]}\n"
                                   "  variants:\n"
                                   "    - {name: rope, model.pos: rope}\n"
                                   "    - name: deep\n"
                                   "      model: {n_layer: 2, layers_note_free: 1}\n"
                                   "  seeds: [5, 6]\n"),
                             {"train.steps=3"});
  // Nested maps flatten to dotted keys; the unknown key is the loader's to refuse (check_sweep), not ours.
  ASSERT_EQ(s.runs.size(), 8u);
  const SweepRun& r = s.runs[7];
  EXPECT_EQ(r.variant, "deep+lr=3.0e-3");
  EXPECT_EQ(r.seed, 6);
  EXPECT_EQ(r.dir, "deep+lr=3.0e-3-seed6");
  EXPECT_EQ(r.override_texts(), (std::vector<std::string>{"train.steps=7", "optim.lr=3.0e-3", "model.n_layer=2",
                                                          "model.layers_note_free=1", "train.seed=6", "train.steps=3"}));
  // The command line's overrides are last, so they win; the seed is not a swept key.
  EXPECT_EQ(s.swept_keys, (std::vector<std::string>{"optim.lr", "model.pos", "model.n_layer", "model.layers_note_free"}));
}

TEST_F(SweepTest, AReferenceIsTheSameGridPointAndSeedOfTheNamedVariant) {
  const Sweep s = load_sweep(sweep("sweep:\n"
                                   "  grid: {optim.lr: [1.0e-3, 3.0e-3]}\n"
                                   "  variants:\n"
                                   "    - {name: base}\n"
                                   "    - {name: rope, reference: base, model.pos: rope}\n"
                                   "  seeds: [5, 6]\n"));
  ASSERT_EQ(s.runs.size(), 8u);
  EXPECT_EQ(s.runs[0].reference, "");
  EXPECT_EQ(s.runs[7].dir, "rope+lr=3.0e-3-seed6");
  EXPECT_EQ(s.runs[7].reference, "base+lr=3.0e-3-seed6");
  EXPECT_EQ(s.runs[7].override_texts(), (std::vector<std::string>{"optim.lr=3.0e-3", "model.pos=rope", "train.seed=6"}));
  EXPECT_EQ(s.swept_keys, (std::vector<std::string>{"optim.lr", "model.pos"}));  // reference is no config key
}

TEST_F(SweepTest, RelativePathsAreTheSweepFilesAndEveryRunLoads) {
  dir_.write("other/corpus2.txt", std::string(4000, 'x') + "yz\n");
  const Sweep s = load_sweep(sweep("sweep:\n  variants:\n    - {name: a}\n    - {name: b, data.path: other/corpus2.txt}\n"));
  const std::vector<LoadedConfig> configs = check_sweep(s);
  ASSERT_EQ(configs.size(), 2u);
  EXPECT_EQ(configs[0].config.data.path, fs::path(dir_.path("corpus.txt")).lexically_normal().string());
  EXPECT_EQ(configs[1].config.data.path, fs::path(dir_.path("other/corpus2.txt")).lexically_normal().string());
  EXPECT_EQ(configs[1].config.train.steps, 20);
}

struct BadSweep {
  const char* name;
  const char* text;    // the sweep file, "base: base.yaml\n" prepended unless it starts with "!"
  const char* phrase;  // in the message, {file} = the sweep file's path
  bool at_check = false;  // refused by check_sweep (the configs), not by load_sweep (the file)
};

const BadSweep kBad[] = {
    {"malformed_yaml", "sweep: {grid: [\n", "{file}:3: malformed YAML"},
    {"not_a_map", "!- a\n- b\n", "{file}: a sweep file is a map with base: and sweep:"},
    {"unknown_top_level_key", "swep: {grid: {optim.lr: [1]}}\n", "{file}:2: unknown key 'swep' in a sweep file; did you mean 'sweep'?"},
    {"no_base", "!sweep: {grid: {optim.lr: [1]}}\n", "{file}: a sweep file needs base: RECIPE"},
    {"base_missing", "!base: nowhere.yaml\nsweep: {grid: {optim.lr: [1]}}\n", "{file}:1: base recipe '"},
    {"no_sweep_section", "", "{file}: a sweep file needs a sweep: section"},
    {"unknown_sweep_key", "sweep: {gird: {optim.lr: [1]}}\n", "{file}:2: unknown key 'sweep.gird' in a sweep file; did you mean 'sweep.grid'?"},
    {"neither_grid_nor_variants", "sweep: {seeds: [1]}\n", "{file}:2: 'sweep' needs a grid: or a list of variants:"},
    {"empty_grid", "sweep:\n  grid: {}\n", "{file}:3: 'sweep.grid' is empty"},
    {"grid_not_a_map", "sweep:\n  grid: [optim.lr]\n", "{file}:3: 'sweep.grid' expects a map"},
    {"grid_value_not_a_list", "sweep:\n  grid:\n    optim.lr: 0.001\n", "{file}:4: grid key 'optim.lr' expects a non-empty list"},
    {"grid_empty_list", "sweep:\n  grid:\n    optim.lr: []\n", "{file}:4: grid key 'optim.lr' expects a non-empty list"},
    {"grid_repeated_value", "sweep:\n  grid:\n    optim.lr: [1.0e-3,\n               1.0e-3]\n", "{file}:5: grid key 'optim.lr' lists 1.0e-3 twice"},
    {"variants_empty", "sweep:\n  variants: []\n", "{file}:3: 'sweep.variants' expects a non-empty list"},
    {"variant_not_a_map", "sweep:\n  variants: [rope]\n", "{file}:3: a variant is a map"},
    {"variant_without_name", "sweep:\n  variants:\n    - {model.pos: rope}\n", "{file}:4: a variant needs a name"},
    {"variants_same_name", "sweep:\n  variants:\n    - {name: a, model.pos: rope}\n    - {name: a, model.pos: alibi}\n",
     "{file}:5: two variants are named 'a'"},
    {"variant_key_twice", "sweep:\n  variants:\n    - name: a\n      model.pos: rope\n      model: {pos: alibi}\n",
     "{file}:6: 'model.pos' is set twice"},
    {"seeds_not_integers", "sweep:\n  grid: {optim.lr: [1]}\n  seeds: [1, two]\n", "{file}:4: a seed must be an integer, found 'two'"},
    {"seed_repeated", "sweep:\n  grid: {optim.lr: [1]}\n  seeds: [3, 3]\n", "{file}:4: seed 3 is listed twice"},
    {"seeds_empty", "sweep:\n  grid: {optim.lr: [1]}\n  seeds: []\n", "{file}:4: 'sweep.seeds' expects a non-empty list"},
    {"reference_unknown", "sweep:\n  variants:\n    - {name: sgd}\n    - {name: mkor, reference: sdg}\n",
     "{file}:5: reference 'sdg' is not a variant of this sweep; did you mean 'sgd'?"},
    {"reference_itself", "sweep:\n  variants:\n    - {name: a, reference: a}\n", "{file}:4: variant 'a' cannot be its own reference"},
    {"reference_not_a_name", "sweep:\n  variants:\n    - {name: a}\n    - {name: b, reference: [a]}\n",
     "{file}:5: 'reference' names the variant to compare with"},
    // The configs the runs would train: refused at the line of the override, naming the variant.
    {"unknown_config_key", "sweep:\n  variants:\n    - {name: a}\n    - name: b\n      model.n_layr: 2\n",
     "{file}:6 (variant 'b', model.n_layr=2): unknown key 'model.n_layr'; did you mean 'model.n_layer'?", true},
    {"wrong_type_in_grid", "sweep:\n  grid:\n    model.n_layer: [1,\n                    two]\n",
     "{file}:5 (variant 'n_layer=two', model.n_layer=two): 'model.n_layer' expects an integer", true},
    {"bad_value_in_set", "sweep:\n  set: {optim.lr: -1}\n  grid: {model.n_layer: [1]}\n",
     "{file}:3 (variant 'n_layer=1', optim.lr=-1): optim.lr = -1.0: must be > 0", true},
    {"missing_corpus_in_variant", "sweep:\n  variants:\n    - {name: a, data.path: missing.txt}\n",
     "{file}:4 (variant 'a', data.path=", true},
    {"unknown_dataset_in_grid", "sweep:\n  grid: {data.dataset: [text, selective_copy]}\n",
     "(variant 'dataset=selective_copy', data.dataset=selective_copy): data.dataset = \"selective_copy\": unknown dataset", true},
};

class BadSweepTest : public SweepTest, public ::testing::WithParamInterface<BadSweep> {};

TEST_P(BadSweepTest, IsRefusedAtItsLine) {
  const BadSweep& c = GetParam();
  const std::string text = c.text[0] == '!' ? std::string(c.text + 1) : "base: base.yaml\n" + std::string(c.text);
  const std::string file = dir_.write("sweep.yaml", text);
  std::string phrase = c.phrase;
  if (const size_t at = phrase.find("{file}"); at != std::string::npos) phrase.replace(at, 6, file);
  if (!c.at_check) {
    EXPECT_CONTAINS(error_of([&] { load_sweep(file); }), phrase);
  } else {
    const Sweep s = load_sweep(file);  // the file itself is well formed
    EXPECT_CONTAINS(error_of([&] { check_sweep(s); }), phrase);
  }
}

INSTANTIATE_TEST_SUITE_P(Sweep, BadSweepTest, ::testing::ValuesIn(kBad),
                         [](const auto& info) { return std::string(info.param.name); });

TEST_F(SweepTest, TwoRunsInOneDirectoryAreRefused) {
  // "a/b" and "a_b" both become the directory a_b.
  EXPECT_CONTAINS(error_of([&] { load_sweep(sweep("sweep:\n  variants:\n    - {name: a/b}\n    - {name: a_b}\n")); }),
                  "two runs would share the directory 'a_b'");
}

TEST(SweepResults, ReadsTheRunBackAndAveragesOverSeeds) {
  ScratchDir dir;
  Sweep sweep;
  sweep.path = "s.yaml";
  sweep.swept_keys = {"optim.lr"};
  std::vector<RunResult> results;
  const double vals[] = {2.0, 2.2};
  for (int seed = 0; seed < 2; ++seed) {
    SweepRun run{"lr=1", seed, "lr=1-seed" + std::to_string(seed), {}, {{"optim.lr", "1"}}};
    fs::create_directories(dir.path(run.dir));
    {
      MetricsWriter m(dir.path(run.dir + "/metrics.jsonl"));
      m.write({{"step", 10}, {"loss", 3.0}, {"tokens_per_s", 100}, {"elapsed_s", 1}, {"peak_rss_mib", 50}, {"val_loss", 2.5}});
      m.write({{"step", 20}, {"loss", 2.5}, {"tokens_per_s", 300}, {"elapsed_s", 2}, {"peak_rss_mib", 40}, {"val_loss", vals[seed]}});
      m.write({{"step", 30}, {"loss", 2.4}, {"tokens_per_s", 200}, {"elapsed_s", 3}, {"peak_rss_mib", 45}, {"val_loss", 2.6}});
    }
    RunResult r = read_run_result(run, dir.path(run.dir), 30, false);
    EXPECT_EQ(r.status, "not started");  // no checkpoint: the numbers are read, the status says so
    EXPECT_EQ(r.steps, 30);
    EXPECT_EQ(r.train_loss, 2.4);
    EXPECT_EQ(r.val_loss, 2.6);
    EXPECT_EQ(r.best_val_loss, vals[seed]);
    EXPECT_EQ(r.tokens_per_s, 200);  // the median window
    EXPECT_EQ(r.wall_s, 3);
    EXPECT_EQ(r.peak_rss_mib, 50);
    r.status = "done";
    results.push_back(r);
  }
  const std::string md = results_markdown(sweep, results);
  // Best val loss over the two seeds: 2.0 and 2.2, mean 2.1, sample std 0.1414.
  EXPECT_CONTAINS(md, "| lr=1 | 1 | 0 | 0 | 30 | 2.6000 ± 0.0000 | 2.1000 ± 0.1414 |");
  EXPECT_CONTAINS(md, "2 of 2 done");
  write_sweep_results(sweep, results, dir.path());
  std::ifstream csv(dir.path("results.csv"));
  std::string header, row;
  std::getline(csv, header);
  std::getline(csv, row);
  EXPECT_EQ(header, "variant,seed,run,status,optim.lr,parameters,trainable,steps,train_loss,val_loss,best_val_loss,"
                    "val_accuracy,tokens_per_s,wall_s,peak_rss_mib,step_ms,reference,target,steps_to_target,s_to_target");
  EXPECT_EQ(row, "lr=1,0,lr=1-seed0,done,1,0,0,30,2.400000,2.600000,2.000000,,200.0,3.000,50.0,,,,,");
  EXPECT_EQ(md.find("target"), std::string::npos);  // no reference: no target columns
}

// Steps and wall time to the reference's final validation loss: per run, and per variant over its seeds.
TEST(SweepResults, StepsAndSecondsToTheReferencesFinalLoss) {
  Sweep sweep;
  sweep.path = "s.yaml";
  std::vector<RunResult> results;
  // (variant, seed, reference, validation losses at steps 10, 20, 30)
  const auto run = [&](const std::string& variant, int seed, const std::string& reference, std::vector<double> val) {
    RunResult r;
    r.variant = variant;
    r.seed = seed;
    r.dir = variant + "-seed" + std::to_string(seed);
    r.reference = reference.empty() ? "" : reference + "-seed" + std::to_string(seed);
    r.status = "done";
    r.steps = 30;
    for (size_t i = 0; i < val.size(); ++i) r.evals.push_back({int64_t(10 * (i + 1)), val[i], 1.5 * double(i + 1)});
    r.val_loss = val.back();
    r.best_val_loss = *std::min_element(val.begin(), val.end());
    r.step_ms = 4.0 + seed;
    results.push_back(r);
  };
  run("sgd", 1, "", {0.5, 0.3, 0.2});
  run("sgd", 2, "", {0.5, 0.19, 0.21});  // its own final loss reached at step 20
  run("mkor", 1, "sgd", {0.4, 0.2, 0.1});
  run("mkor", 2, "sgd", {0.4, 0.3, 0.25});  // never reaches 0.21
  run("other", 1, "", {0.9, 0.8, 0.7});
  EXPECT_EQ(target_result(results, 0).step, 30);
  EXPECT_EQ(target_result(results, 1).step, 20);
  EXPECT_DOUBLE_EQ(target_result(results, 1).elapsed_s, 3.0);
  EXPECT_EQ(target_result(results, 2).target, 0.2);
  EXPECT_EQ(target_result(results, 2).step, 20);
  EXPECT_EQ(target_result(results, 3).target, 0.21);
  EXPECT_EQ(target_result(results, 3).step, -1);
  EXPECT_TRUE(std::isnan(target_result(results, 4).target));  // neither names nor is named as a reference
  const std::string md = results_markdown(sweep, results);
  EXPECT_CONTAINS(md, "| variant | params | trainable | steps | val loss | best val loss | target | steps to target | s to target | "
                      "val acc | tok/s | ms/step | wall s | peak MiB | runs |");
  EXPECT_CONTAINS(md, "| sgd | 0 | 0 | 30 | 0.2050 ± 0.0071 | 0.1950 ± 0.0071 | 0.2050 ± 0.0071 | 25 ± 7 | 3.8 ± 1.1 |  |  | "
                      "5.50 ± 0.71 |");
  EXPECT_CONTAINS(md, "| mkor | 0 | 0 | 30 | 0.1750 ± 0.1061 | 0.1750 ± 0.1061 | 0.2050 ± 0.0071 | 20 (1 of 2 reached) | "
                      "3.0 (1 of 2 reached) |");
  EXPECT_CONTAINS(md, "| mkor-seed2 | done | 0 | 0 | 30 |  | 0.2500 | 0.2500 | 0.2100 | not reached |  |");
  EXPECT_CONTAINS(md, "| other | 0 | 0 | 30 | 0.7000 | 0.7000 |  |  |  |");
  // A reference that is not done sets no target yet.
  results[1].status = "stopped at step 20 of 30";
  EXPECT_TRUE(std::isnan(target_result(results, 3).target));
}

TEST(SweepResults, SmallLossesKeepFourSignificantDigits) {
  Sweep sweep;
  sweep.path = "s.yaml";
  RunResult r;
  r.variant = r.dir = "a";
  r.status = "done";
  r.val_loss = r.best_val_loss = 0.016346;
  EXPECT_CONTAINS(results_markdown(sweep, {r}), "| a | 0 | 0 | 0 | 0.01635 | 0.01635 |");
}

// params counts every parameter the checkpoint holds; trainable what the run's adapter section left to train.
TEST(SweepResults, CountsTrainableParametersApartFromFrozenOnes) {
  ScratchDir dir;
  RunConfig config;
  config.model.n_layer = 2;
  config.model.n_head = 2;
  config.model.n_embd = 16;
  config.model.block_size = 8;
  config.model.vocab_size = 11;
  config.train.seq_len = 8;
  config.adapter.kind = AdapterKind::lora;
  config.adapter.targets = {"qv"};
  config.adapter.rank = 2;
  config.adapter.train = {"norm_f.*"};
  SequenceModel model(config.model);
  apply_adapter_config(model, config.adapter, 0);
  Checkpoint c;
  c.model = model.state_dict();
  c.step = 30;
  c.config_yaml = to_yaml(config);
  fs::create_directories(dir.path("run/checkpoints"));
  save_checkpoint(checkpoint_path(dir.path("run/checkpoints"), 30), c);
  const RunResult r = read_run_result(SweepRun{"lora", -1, "run", {}, {}}, dir.path("run"), 30, false);
  EXPECT_EQ(r.status, "done");
  EXPECT_EQ(r.parameters, model.num_parameters());
  EXPECT_EQ(r.trainable, 2 * 2 * 2 * (16 + 16) + 16);  // q and v at rank 2 in 2 blocks, and the final norm
}

TEST(Metrics, ReadBackWhatWasWritten) {
  ScratchDir dir;
  {
    MetricsWriter m(dir.path("m.jsonl"));
    m.write({{"step", 1}, {"loss", 0.1 + 0.2}, {"val_loss", NAN}});
  }
  std::ofstream(dir.path("m.jsonl"), std::ios::app) << "{\"step\": 2, \"loss\": 1.5\n";  // cut short by a kill
  const auto rows = read_metrics(dir.path("m.jsonl"));
  ASSERT_EQ(rows.size(), 1u);
  ASSERT_EQ(rows[0].size(), 3u);
  EXPECT_EQ(rows[0][1].first, "loss");
  EXPECT_EQ(rows[0][1].second, 0.1 + 0.2);  // exact: the shortest round-trip text
  EXPECT_TRUE(std::isnan(rows[0][2].second));
  EXPECT_TRUE(read_metrics(dir.path("missing.jsonl")).empty());
}

}  // namespace
}  // namespace sf::test

#include "config/loader.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "config/yaml_writer.h"
#include "test_util.h"

namespace sf {
namespace {

using testing_config::error_of;
using testing_config::ScratchDir;

// A tree like the repository's: <root>/configs/... and <root>/recipes/...
struct RecipeTree : ::testing::Test {
  ScratchDir dir;
  std::string recipe(const std::string& text) { return dir.write("recipes/r.yaml", text); }
  std::string load_error(const std::string& text, const std::vector<std::string>& overrides = {}) {
    const std::string path = recipe(text);
    return error_of([&] { load_run_config(path, overrides); });
  }
};

TEST_F(RecipeTree, DefaultsMergeInOrderThenRecipeThenOverrides) {
  dir.write("configs/model/small.yaml",
            "model:\n"
            "  n_layer: 2\n"
            "  n_embd: 64\n"
            "  norm: rmsnorm\n");
  dir.write("configs/optim/fast.yaml",
            "optim:\n"
            "  lr: 3.0e-4\n"
            "model:\n"
            "  n_embd: 96\n");  // a later default wins over an earlier one
  const std::string path = recipe(
      "defaults: [model/small, optim/fast]\n"
      "model: {n_layer: 6}\n"
      "train:\n"
      "  steps: 100\n"
      "  seq_len: 32\n");
  const LoadedConfig loaded = load_run_config(path, {"train.steps=50", "optim.lr=6e-4"});
  const RunConfig& c = loaded.config;
  EXPECT_EQ(c.model.n_layer, 6);          // recipe over default
  EXPECT_EQ(c.model.n_embd, 96);          // second default over first
  EXPECT_EQ(c.model.norm, NormKind::rmsnorm);
  EXPECT_EQ(c.train.steps, 50);           // override over recipe
  EXPECT_EQ(c.train.seq_len, 32);
  EXPECT_DOUBLE_EQ(c.optim.lr, 6e-4);     // override over default
  EXPECT_EQ(c.train.batch_size, 12);      // built-in default
  EXPECT_EQ(loaded.files, (std::vector<std::string>{dir.path("configs/model/small.yaml"),
                                                    dir.path("configs/optim/fast.yaml"), path}));
  EXPECT_EQ(loaded.where.at("model.n_layer"), path + ":2");
  EXPECT_EQ(loaded.where.at("model.n_embd"), dir.path("configs/optim/fast.yaml") + ":4");
  EXPECT_EQ(loaded.where.at("train.steps"), "command line");
  EXPECT_EQ(loaded.where.count("train.batch_size"), 0u);
  EXPECT_EQ(loaded.recipe_path, path);
  EXPECT_CONTAINS(loaded.recipe_text, "defaults: [model/small, optim/fast]");
}

TEST_F(RecipeTree, ExplicitConfigRootIsSearchedInstead) {
  dir.write("elsewhere/optim/slow.yaml", "optim: {lr: 1.0e-5, min_lr: 0.0}\n");
  const std::string path = recipe("defaults: [optim/slow.yaml]\n");
  EXPECT_DOUBLE_EQ(load_run_config(path, {}, dir.path("elsewhere")).config.optim.lr, 1e-5);
  // Without the root the default is looked up under configs/ and is missing.
  EXPECT_CONTAINS(error_of([&] { load_run_config(path); }), "defaults entry 'optim/slow.yaml' not found");
}

TEST_F(RecipeTree, RecursiveDefaultsApplyDepthFirst) {
  dir.write("configs/model/base.yaml", "model: {n_layer: 2, n_embd: 64, n_head: 2}\n");
  dir.write("configs/model/wide.yaml", "defaults: [model/base]\nmodel: {n_embd: 256}\n");
  const std::string path = recipe("defaults: [model/wide]\nmodel: {n_head: 8}\n");
  const LoadedConfig loaded = load_run_config(path);
  EXPECT_EQ(loaded.config.model.n_layer, 2);
  EXPECT_EQ(loaded.config.model.n_embd, 256);
  EXPECT_EQ(loaded.config.model.n_head, 8);
  EXPECT_EQ(loaded.files, (std::vector<std::string>{dir.path("configs/model/base.yaml"),
                                                    dir.path("configs/model/wide.yaml"), path}));
}

TEST_F(RecipeTree, DefaultsCycleIsAnError) {
  dir.write("configs/a.yaml", "defaults: [b]\n");
  dir.write("configs/b.yaml", "model: {n_layer: 1}\ndefaults: [a]\n");
  const std::string msg = load_error("defaults: [a]\n");
  EXPECT_CONTAINS(msg, dir.path("configs/b.yaml") + ":2: defaults cycle: ");
  EXPECT_CONTAINS(msg, dir.path("configs/a.yaml") + " -> " + dir.path("configs/b.yaml") + " -> " +
                           dir.path("configs/a.yaml"));
}

TEST_F(RecipeTree, MissingDefaultsFileNamesRecipeLineAndPathsTried) {
  const std::string msg = load_error("train: {steps: 10}\ndefaults:\n  - model/nope\n");
  EXPECT_CONTAINS(msg, dir.path("recipes/r.yaml") + ":3:");
  EXPECT_CONTAINS(msg, "defaults entry 'model/nope' not found");
  EXPECT_CONTAINS(msg, dir.path("configs/model/nope.yaml"));
  EXPECT_CONTAINS(msg, ", configs/model/nope.yaml");  // then ./configs
}

TEST_F(RecipeTree, MisspeltKeySuggestsTheNearest) {
  const std::string msg = load_error(
      "model: {n_layer: 2}\n"
      "optim:\n"
      "  lrr: 0.1\n");
  EXPECT_EQ(msg, dir.path("recipes/r.yaml") + ":3: unknown key 'optim.lrr'; did you mean 'optim.lr'?");
  EXPECT_CONTAINS(load_error("train:\n  lr: 0.1\n"), ":2: unknown key 'train.lr'; did you mean 'optim.lr'?");
  EXPECT_CONTAINS(load_error("trian:\n  steps: 3\n"), ":1: unknown key 'trian'; did you mean 'train'?");
  EXPECT_CONTAINS(load_error("optim:\n  zzzzzzzz: 1\n"), "valid keys under 'optim': name, lr, min_lr");
}

TEST_F(RecipeTree, ErrorInADefaultNamesThatFile) {
  dir.write("configs/optim/bad.yaml", "optim:\n  lr: 1e-3\n  betaa1: 0.8\n");
  const std::string msg = load_error("defaults: [optim/bad]\n");
  EXPECT_CONTAINS(msg, dir.path("configs/optim/bad.yaml") + ":3: unknown key 'optim.betaa1'");
  EXPECT_CONTAINS(msg, "did you mean 'optim.beta1'?");
}

TEST_F(RecipeTree, WrongTypesNameFileLineKeyAndExpectedType) {
  const std::string path = dir.path("recipes/r.yaml");
  EXPECT_EQ(load_error("train:\n  steps: abc\n"),
            path + ":2: 'train.steps' expects an integer, found 'abc'");
  EXPECT_CONTAINS(load_error("train:\n  steps: 1.5\n"), "'train.steps' expects an integer, found '1.5'");
  EXPECT_CONTAINS(load_error("model:\n  n_layer: {a: 1}\n"), ":2: 'model.n_layer' expects an integer, found a map");
  EXPECT_CONTAINS(load_error("optim:\n  lr: fast\n"), ":2: 'optim.lr' expects a number, found 'fast'");
  EXPECT_CONTAINS(load_error("model:\n  bias: maybe\n"), "'model.bias' expects a boolean (true/false)");
  EXPECT_CONTAINS(load_error("train:\n  device: [cpu]\n"), "'train.device' expects a string, found a list");
  EXPECT_CONTAINS(load_error("model: 5\n"), ":1: 'model' expects a map of keys, found '5'");
  EXPECT_CONTAINS(load_error("- a\n- b\n"), "expected a map of sections at the top level, found a list");
  EXPECT_CONTAINS(load_error("checkpoint:\n  milestones: [100, x]\n"),
                  ":2: 'checkpoint.milestones' expects a list of integers, found 'x'");
  EXPECT_CONTAINS(load_error("train:\n  steps:\n  seed: 1\n"),
                  ":2: 'train.steps' expects an integer, found nothing (null)");
}

TEST_F(RecipeTree, EnumListsTheAllowedValues) {
  EXPECT_CONTAINS(load_error("model:\n  n_layer: 2\n  norm: batchnorm\n"),
                  ":3: 'model.norm' expects one of: layernorm, rmsnorm, found 'batchnorm'");
  EXPECT_CONTAINS(load_error("distributed: {backend: gloo}\n"), "one of: auto, mpi, nccl");
}

TEST_F(RecipeTree, MalformedYamlNamesFileAndLine) {
  const std::string msg = load_error("train:\n  steps: 10\n  seq_len: [1, 2\nmodel: {}\n");
  EXPECT_CONTAINS(msg, dir.path("recipes/r.yaml") + ":");
  EXPECT_CONTAINS(msg, "malformed YAML");
  dir.write("configs/bad.yaml", "model:\n  n_layer: 2\n n_head: 3\n");
  EXPECT_CONTAINS(load_error("defaults: [bad]\n"), dir.path("configs/bad.yaml") + ":3: malformed YAML");
}

TEST_F(RecipeTree, DuplicateKeysAreAnError) {
  EXPECT_CONTAINS(load_error("train:\n  steps: 1\n  steps: 2\n"), ":3: duplicate key 'train.steps'");
}

TEST_F(RecipeTree, OverridesParseYamlValues) {
  const std::string path = recipe("train: {init_from: ckpt/start.h5}\n");
  const RunConfig c = load_run_config(path, {"checkpoint.milestones=[100, 200]", "model.bias=true",
                                             "train.device=cuda:1", "model.norm=rmsnorm", "train.init_from=",
                                             "model={n_layer: 3, n_head: 2}", "optim.lr=+2e-3"})
                          .config;
  EXPECT_EQ(c.checkpoint.milestones, (std::vector<int64_t>{100, 200}));
  EXPECT_TRUE(c.model.bias);
  EXPECT_EQ(c.train.device, "cuda:1");
  EXPECT_EQ(c.model.norm, NormKind::rmsnorm);
  EXPECT_EQ(c.train.init_from, "");
  EXPECT_EQ(c.model.n_layer, 3);
  EXPECT_EQ(c.model.n_head, 2);
  EXPECT_EQ(c.model.n_embd, 128);  // a section override merges, it does not reset the section
  EXPECT_DOUBLE_EQ(c.optim.lr, 2e-3);
}

TEST_F(RecipeTree, BadOverridesAreErrors) {
  const std::string r = "train: {steps: 10}\n";
  EXPECT_EQ(load_error(r, {"train.stepz=5"}), "command line: unknown key 'train.stepz'; did you mean 'train.steps'?");
  EXPECT_EQ(load_error(r, {"train.steps=abc"}), "command line: 'train.steps' expects an integer, found 'abc'");
  EXPECT_CONTAINS(load_error(r, {"trainsteps"}), "override 'trainsteps' must look like key.sub=value");
  EXPECT_CONTAINS(load_error(r, {"train..steps=1"}), "malformed key 'train..steps'");
  EXPECT_CONTAINS(load_error(r, {"defaults=[x]"}), "'defaults' cannot be overridden");
  EXPECT_CONTAINS(load_error(r, {"optim.lr=[1"}), "cannot parse the value of 'optim.lr=[1'");
  EXPECT_CONTAINS(load_error(r, {"train.steps.x=1"}), "'train.steps' expects an integer, found a map");
}

TEST_F(RecipeTree, ValidationNamesKeyValueAndWhereItWasSet) {
  const std::string path = dir.path("recipes/r.yaml");
  EXPECT_EQ(load_error("model: {n_layer: 2}\noptim:\n  lr: -0.001\n"),
            path + ":3: optim.lr = -0.001: must be > 0");
  EXPECT_EQ(load_error("model:\n  n_embd: 130\n"),
            path + ":2: model.n_embd = 130: must be a multiple of model.n_head (4)");
  EXPECT_EQ(load_error("train: {seq_len: 128}\n"),
            path + ":1: train.seq_len = 128: must be <= model.block_size (64)");
  EXPECT_EQ(load_error("", {"model.dropout=1.0"}), "command line: model.dropout = 1.0: must be in [0, 1)");
  // A key left at its default is named as such.
  EXPECT_EQ(load_error("model: {n_head: 5}\n"),
            "config (built-in default): model.n_embd = 128: must be a multiple of model.n_head (5)");
  EXPECT_CONTAINS(load_error("train: {device: gpu}\n"), "train.device = \"gpu\": must be cpu, cuda or cuda:N");
}

TEST_F(RecipeTree, BareKeyClearsAStringOrList) {
  dir.write("configs/base.yaml", "train: {init_from: a.h5}\ncheckpoint: {milestones: [5]}\n");
  const std::string path = recipe("defaults: [base]\ntrain:\n  init_from:\n  steps: 3\ncheckpoint:\n  milestones:\n");
  const LoadedConfig loaded = load_run_config(path);
  EXPECT_EQ(loaded.config.train.init_from, "");
  EXPECT_TRUE(loaded.config.checkpoint.milestones.empty());
  EXPECT_EQ(loaded.where.at("train.init_from"), path + ":3");
}

TEST_F(RecipeTree, EmptyRecipeGivesTheDefaults) {
  EXPECT_EQ(load_run_config(recipe("")).config, RunConfig{});
  EXPECT_EQ(load_run_config(recipe("# nothing yet\nmodel:\n")).config, RunConfig{});
}

TEST_F(RecipeTree, MissingRecipeIsAnError) {
  EXPECT_CONTAINS(error_of([&] { load_run_config(dir.path("recipes/none.yaml")); }),
                  "cannot read recipe '" + dir.path("recipes/none.yaml") + "'");
}

TEST_F(RecipeTree, SweepIsRefusedUntilAblateReadsIt) {
  const std::string refused = "'sweep' belongs in a sweep file (base: RECIPE plus sweep:), which `seqforge ablate SWEEP.yaml` runs";
  EXPECT_CONTAINS(load_error("model: {n_layer: 2}\nsweep: {optim.lr: [1e-3, 3e-4]}\n"),
                  dir.path("recipes/r.yaml") + ":2: " + refused);
  dir.write("configs/s.yaml", "model: {n_layer: 2}\n\nsweep:\n  optim.lr: [1e-3]\n");
  EXPECT_CONTAINS(load_error("defaults: [s]\n"), dir.path("configs/s.yaml") + ":3: " + refused);
  EXPECT_CONTAINS(load_error("", {"sweep.optim.lr=[1e-3]"}), "command line: " + refused);
  EXPECT_CONTAINS(error_of([] { run_config_from_yaml("sweep: {a: [1]}\n", "ckpt.h5:/config"); }),
                  "ckpt.h5:/config:1: " + refused);
}

// Runs the enclosing scope in `dir`, as if seqforge had been started there.
class WorkingDirectory {
 public:
  explicit WorkingDirectory(const std::string& dir) : saved_(std::filesystem::current_path()) {
    std::filesystem::current_path(dir);
  }
  ~WorkingDirectory() { std::filesystem::current_path(saved_); }
  WorkingDirectory(const WorkingDirectory&) = delete;
  WorkingDirectory& operator=(const WorkingDirectory&) = delete;

 private:
  std::filesystem::path saved_;
};

TEST_F(RecipeTree, RelativePathsAreTakenFromTheFileThatWritesThem) {
  namespace fs = std::filesystem;
  dir.write("configs/data/corpus.yaml", "data: {path: ../../corpora/train.txt}\n");
  recipe("defaults: [data/corpus]\ndata: {val_path: ../corpora/val.txt}\ntrain: {init_from: /abs/start.h5}\n");
  dir.write("elsewhere/deeper/.keep", "");
  const fs::path root = fs::canonical(dir.path());  // the working directory, as getcwd names it
  for (const std::string cwd : {"", "recipes", "elsewhere/deeper"}) {
    SCOPED_TRACE("started in " + dir.path(cwd));
    const WorkingDirectory in(dir.path(cwd));
    // The recipe as a user there names it; the corpus paths do not depend on where that is.
    const std::string path = fs::relative(root / "recipes/r.yaml").string();
    const LoadedConfig loaded = load_run_config(path, {"train.init_from=runs/a/step_000010.h5"});
    EXPECT_EQ(loaded.config.data.path, (root / "corpora/train.txt").string());
    EXPECT_EQ(loaded.config.data.val_path, (root / "corpora/val.txt").string());
    // A path given on the command line is relative to the current directory.
    EXPECT_EQ(loaded.config.train.init_from, (fs::current_path() / "runs/a/step_000010.h5").string());
    EXPECT_EQ(load_run_config(path).config.train.init_from, "/abs/start.h5");  // absolute paths stay
    EXPECT_CONTAINS(to_yaml(loaded.config), "  path: " + (root / "corpora/train.txt").string() + "\n");
  }
}

TEST_F(RecipeTree, AStoredConfigKeepsItsPathsAndResolvesOverrides) {
  const RunConfig c =
      run_config_from_yaml("data: {path: corpora/train.txt}\n", "ckpt.h5:/config", {"data.val_path=v.txt"});
  EXPECT_EQ(c.data.path, "corpora/train.txt");  // written before paths were stored absolute: kept as it is
  EXPECT_EQ(c.data.val_path, (std::filesystem::current_path() / "v.txt").string());
}

// A stored config lists every key, defaults included (model.mlp: gelu for a plain block): reloading it for
// eval or --resume must not trip the rules against keys the rest of the config ignores, which a key
// chosen on the command line still does.
TEST_F(RecipeTree, AStoredConfigWithDefaultsOfIgnoredKeysReloads) {
  for (const std::vector<std::string>& chosen : std::vector<std::vector<std::string>>{
           {"model.block=plain"}, {"model.block=bare"}, {"model.init=pytorch"}}) {
    const RunConfig c = run_config_from_yaml("{}", "recipe", chosen);
    const std::string stored = to_yaml(c);
    EXPECT_CONTAINS(stored, "init_std: 0.02");
    EXPECT_EQ(run_config_from_yaml(stored, "ckpt.h5:/config"), c) << chosen[0];
  }
  const RunConfig windowed = run_config_from_yaml("{}", "recipe", {"model.attn_window=16"});
  EXPECT_EQ(run_config_from_yaml(to_yaml(windowed), "ckpt.h5:/config"), windowed);
  EXPECT_EQ(run_config_from_yaml(to_yaml(windowed), "ckpt.h5:/config", {"model.attn_window=0"}).model.attn_window, 0);
  EXPECT_CONTAINS(error_of([&] { run_config_from_yaml(to_yaml(windowed), "ckpt.h5:/config", {"model.attn_window=-2"}); }),
                  "command line: model.attn_window = -2: must be >= 0");
  const std::string plain = to_yaml(run_config_from_yaml("{}", "recipe", {"model.block=plain"}));
  EXPECT_CONTAINS(error_of([&] { run_config_from_yaml(plain, "ckpt.h5:/config", {"model.mlp=swiglu"}); }),
                  "command line: model.mlp = swiglu: model.block: plain has no MLP");
}

}  // namespace
}  // namespace sf

#include "config/run_config.h"

#include <gtest/gtest.h>

#include "config/loader.h"
#include "config/yaml_writer.h"
#include "test_util.h"
#include "toy_section.h"

namespace sf {
namespace {

using testing_config::error_of;
using testing_config::ToyConfig;

TEST(RunConfig, DefaultsFollowTheShakespeareCharCpuConfig) {
  const RunConfig c;
  EXPECT_EQ(c.model.mixer, "attention");
  EXPECT_EQ(c.model.n_layer, 4);
  EXPECT_EQ(c.model.n_embd, 128);
  EXPECT_EQ(c.model.block_size, 64);
  EXPECT_EQ(c.model.pos, PosKind::learned);
  EXPECT_EQ(c.data.tokenizer, TokenizerKind::character);
  EXPECT_EQ(c.data.path, "");  // no default corpus: a relative one would depend on the current directory
  EXPECT_EQ(c.optim.name, OptimizerKind::adamw);
  EXPECT_DOUBLE_EQ(c.optim.beta2, 0.99);
  EXPECT_EQ(c.train.steps, 2000);
  EXPECT_EQ(c.train.batch_size, 12);
  EXPECT_EQ(c.distributed.backend, BackendKind::automatic);
  EXPECT_NO_THROW(c.validate());
}

TEST(RunConfig, ToYamlWritesEveryFieldInSchemaOrder) {
  const std::string text = to_yaml(RunConfig{});
  size_t last = 0;
  for (const SchemaEntry& e : schema_entries<RunConfig>()) {
    const std::string leaf = e.key.substr(e.key.rfind('.') + 1) + ":";
    const size_t at = text.find(leaf, last);
    ASSERT_NE(at, std::string::npos) << e.key << " missing or out of order in:\n" << text;
    last = at;
  }
  EXPECT_CONTAINS(text, "  norm: layernorm\n");
  EXPECT_CONTAINS(text, "  backend: auto\n");
  EXPECT_CONTAINS(text, "  tokenizer: char\n");
  EXPECT_CONTAINS(text, "  val_path: \"\"\n");
  EXPECT_CONTAINS(text, "  milestones: []\n");
  EXPECT_CONTAINS(text, "  dropout: 0.0\n");
}

TEST(RunConfig, ToYamlRoundTripsEveryFieldType) {
  RunConfig c;
  c.model.mixer = "mamba";
  c.model.n_layer = 12;
  c.model.dropout = 0.1;
  c.model.bias = true;
  c.model.norm = NormKind::rmsnorm;
  c.model.mlp = MlpKind::blockdiag_glu;  // a GELU MLP, so that model.gelu is read
  c.model.gelu = GeluKind::tanh;
  c.model.pos = PosKind::rope;
  c.model.init_std = 1.0 / 3.0;
  c.data.path = "a: b # not a comment";
  c.data.val_path = "true";
  c.data.dataset = "123";
  c.data.tokenizer = TokenizerKind::byte;
  c.optim.name = OptimizerKind::sgd;
  c.optim.lr = 6e-4;
  c.optim.eps = 1e-12;
  c.optim.schedule = ScheduleKind::linear;
  c.train.device = "cuda:1";
  c.train.init_from = " padded ";
  c.train.seed = -7;
  c.checkpoint.milestones = {500, 1000};
  c.distributed.backend = BackendKind::nccl;
  c.distributed.timeout_s = 1e300;
  const std::string text = to_yaml(c);
  const RunConfig back = run_config_from_yaml(text, "resolved.yaml");
  EXPECT_EQ(back, c);
  EXPECT_EQ(to_yaml(back), text);
}

TEST(RunConfig, FromYamlChecksLikeARecipeButRefusesDefaults) {
  EXPECT_EQ(error_of([] { run_config_from_yaml("model:\n  n_layr: 2\n", "ckpt.h5:/config"); }),
            "ckpt.h5:/config:2: unknown key 'model.n_layr'; did you mean 'model.n_layer'?");
  EXPECT_CONTAINS(error_of([] { run_config_from_yaml("model:\n  toy: {kind: fancyy}\n", "x"); }),
                  "x:2: 'model.toy.kind' expects one of: plain, fancy, found 'fancyy'");
  EXPECT_CONTAINS(error_of([] { run_config_from_yaml("defaults: [a]\n", "x"); }),
                  "x:1: 'defaults' is resolved only when loading a recipe file");
}

TEST(RunConfig, ValidateChecksRangesAndCrossFieldRules) {
  auto message = [](auto&& edit) {
    RunConfig c;
    edit(c);
    return error_of([&] { c.validate(); });
  };
  EXPECT_CONTAINS(message([](RunConfig& c) { c.optim.lr = 0; }), "optim.lr = 0.0: must be > 0");
  EXPECT_CONTAINS(message([](RunConfig& c) { c.optim.min_lr = 1e-2; }), "optim.min_lr = 0.01: must be in [0, optim.lr = 0.001]");
  EXPECT_CONTAINS(message([](RunConfig& c) { c.model.dropout = -0.1; }), "model.dropout = -0.1: must be in [0, 1)");
  EXPECT_CONTAINS(message([](RunConfig& c) { c.model.n_head = 3; }), "model.n_embd = 128: must be a multiple of model.n_head (3)");
  EXPECT_CONTAINS(message([](RunConfig& c) { c.train.batch_size = 0; }), "train.batch_size = 0: must be > 0");
  EXPECT_CONTAINS(message([](RunConfig& c) { c.train.eval_every = 0; }), "train.eval_every = 0");
  EXPECT_CONTAINS(message([](RunConfig& c) { c.train.seq_len = 65; }), "train.seq_len = 65: must be <= model.block_size (64)");
  EXPECT_CONTAINS(message([](RunConfig& c) { c.data.train_fraction = 1.0; }), "data.train_fraction = 1.0");
  EXPECT_CONTAINS(message([](RunConfig& c) { c.checkpoint.milestones = {10, -1}; }), "checkpoint.milestones = [10, -1]");
  EXPECT_CONTAINS(message([](RunConfig& c) { c.model.section<ToyConfig>().heads = 0; }), "model.toy.heads = 0: must be > 0");
  EXPECT_CONTAINS(message([](RunConfig& c) {
                    c.model.pos = PosKind::rope;
                    c.model.n_head = 128;
                  }),
                  "model.pos = rope: needs an even head size");
  EXPECT_CONTAINS(message([](RunConfig& c) { c.model.mlp_blocks = 0; }), "model.mlp_blocks = 0: must be > 0");
  EXPECT_CONTAINS(message([](RunConfig& c) { c.model.mlp_blocks = 2; }),
                  "model.mlp_blocks = 2: is only read by model.mlp: blockdiag_glu (the model has model.mlp: gelu)");
  EXPECT_CONTAINS(message([](RunConfig& c) {
                    c.model.mlp_blocks = 2;
                    c.model.block = BlockKind::plain;
                  }),
                  "(the model has no MLP)");
  EXPECT_CONTAINS(message([](RunConfig& c) {
                    c.model.mlp = MlpKind::blockdiag_glu;
                    c.model.mlp_blocks = 3;
                  }),
                  "model.mlp_blocks = 3: must divide model.n_embd (128) and the hidden width model.mlp_ratio * "
                  "model.n_embd (512)");
  EXPECT_CONTAINS(message([](RunConfig& c) { c.model.mlp = MlpKind::monarch_glu; }),
                  "model.mlp = monarch_glu: needs model.n_embd = b² (16, 64, 256, 1024, ...)");
  EXPECT_CONTAINS(message([](RunConfig& c) { c.model.attn_window = -1; }),
                  "model.attn_window = -1: must be >= 0 (0 = full causal attention)");
  EXPECT_CONTAINS(message([](RunConfig& c) {
                    c.model.mixer = "mamba";
                    c.model.attn_window = 16;
                  }),
                  "model.attn_window = 16: is only read by the attention mixer and no block uses it");
  EXPECT_CONTAINS(message([](RunConfig& c) { c.data.task.passkey_depth = 1.5; }),
                  "data.task.passkey_depth = 1.5: must be <= 1 (a fraction of the haystack; negative = random per example)");
  RunConfig windowed;
  windowed.model.n_layer = 2;
  windowed.model.layers = {"mamba", "attention"};
  windowed.model.attn_window = 16;
  EXPECT_NO_THROW(windowed.validate());
  RunConfig structured;
  structured.model.mlp = MlpKind::blockdiag_glu;
  structured.model.mlp_blocks = 8;
  EXPECT_NO_THROW(structured.validate());
  structured.model.mlp = MlpKind::monarch_glu;
  structured.model.mlp_blocks = 4;
  structured.model.n_embd = 256;
  EXPECT_NO_THROW(structured.validate());
  RunConfig ok;
  ok.data.val_path = "val.txt";
  ok.data.train_fraction = 1.0;  // allowed once a separate validation file is given
  EXPECT_NO_THROW(ok.validate());
}

TEST(RunConfig, HelpListsEveryKeyWithTypeAndDefault) {
  const std::string help = run_config_help();
  EXPECT_CONTAINS(help, "model:  architecture\n");
  EXPECT_CONTAINS(help, "  model.n_layer  (an integer; default 4)  number of blocks\n");
  EXPECT_CONTAINS(help, "  model.norm  (one of: layernorm, rmsnorm; default layernorm)");
  EXPECT_CONTAINS(help, "  train.device  (a string; default \"cpu\")");
  EXPECT_CONTAINS(help, "\nmodel.toy:  a registered test section\n");
  EXPECT_CONTAINS(help, "  model.toy.kind  (one of: plain, fancy; default plain)  toy kind\n");
  EXPECT_CONTAINS(help, "  model.residual_scale  (a boolean (true/false); default false)");
}

}  // namespace
}  // namespace sf

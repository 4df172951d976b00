// Training on token shards and llm.c .bin files: the same tokens train exactly as their text does (the same
// loss at every step), a resumed run on shards equals an uninterrupted one, bits per byte are logged, and
// shards that the config does not describe (another tokenizer, other sources) are refused.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <numbers>
#include <sstream>

#include "data/prepare_shards.h"
#include "data/text_dataset.h"
#include "tests/support.h"
#include "train/trainer.h"

namespace sf {
namespace {

namespace fs = std::filesystem;
using test::error_of;
using test::ScratchDir;

const std::string kCorpus = std::string(SF_SOURCE_DIR) + "/data/corpora/tinyshakespeare.txt";

// A tiny GPT in dir/<name>.yaml; `data` is the recipe's data section.
std::string write_recipe(const ScratchDir& dir, const std::string& name, const std::string& data) {
  return dir.write(name + ".yaml", "model: {n_layer: 1, n_head: 2, n_embd: 32, block_size: 32}\n"
                                "data: " + data + "\n"
                                "optim: {lr: 3.0e-3, warmup_steps: 5}\n"
                                "train: {steps: 30, batch_size: 4, seq_len: 32, log_every: 5, eval_every: 15,\n"
                                "        eval_batches: 2, checkpoint_every: 15, threads: 1}\n");
}

std::vector<StepLog> train(const std::string& recipe, const std::string& out,
                           const std::vector<std::string>& overrides = {}, TrainOptions options = {}) {
  options.out_dir = out;
  std::ostringstream log;
  Trainer trainer(load_run_config(recipe, overrides), options);
  return trainer.run(log);
}

// The data section of shards in `dir`/shards prepared from `source`.
std::string shards_data(const ScratchDir& dir, const std::string& source, const std::string& more = "") {
  return "{dataset: shards, path: " + dir.path("shards") + ", source: [" + source + "]" + more + "}";
}

// Prepares the shards a recipe names, as `seqforge prepare-data RECIPE` does.
void prepare(const std::string& recipe, const std::vector<std::string>& overrides = {}) {
  prepare_shards(load_run_config(recipe, overrides).config.data, {50000, 2});
}

void expect_same_run(const std::vector<StepLog>& a, const std::vector<StepLog>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].step, b[i].step);
    EXPECT_EQ(a[i].loss, b[i].loss) << "step " << a[i].step;  // bitwise: the same batches, one thread
    if (!std::isnan(a[i].val_loss) || !std::isnan(b[i].val_loss)) {
      EXPECT_EQ(a[i].val_loss, b[i].val_loss) << "step " << a[i].step;
    }
  }
}

// llm.c's layout, written here: the header, then uint16 ids.
void write_llmc_bin(const std::string& path, const std::string& text) {
  std::vector<int32_t> header(256, 0);
  header[0] = 20240520;
  header[1] = 1;
  header[2] = static_cast<int32_t>(text.size());
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(header.data()), 1024);
  for (unsigned char c : text) {
    const uint16_t id = c;
    out.write(reinterpret_cast<const char*>(&id), 2);
  }
}

TEST(TokenDatasets, ShardsTrainExactlyLikeTheirTextAndLogBitsPerByte) {
  ScratchDir dir;
  const std::string text = write_recipe(dir, "text", "{path: " + kCorpus + "}");
  const std::vector<StepLog> a = train(text, dir.path("text"));
  const std::string recipe = write_recipe(dir, "shards", shards_data(dir, kCorpus));
  prepare(recipe);
  const std::vector<StepLog> b = train(recipe, dir.path("from_shards"));
  expect_same_run(a, b);
  // Character ids are bytes: bits per byte = nats per token / ln 2.
  ASSERT_FALSE(std::isnan(b.back().val_bpb));
  EXPECT_DOUBLE_EQ(b.back().val_bpb, b.back().val_loss / std::numbers::ln2);
  EXPECT_DOUBLE_EQ(a.back().val_bpb, b.back().val_bpb);
  const std::string metrics = [&] {
    std::ifstream in(dir.path("from_shards/metrics.jsonl"));
    return std::string(std::istreambuf_iterator<char>(in), {});
  }();
  EXPECT_CONTAINS(metrics, "\"val_bpb\": ");
}

TEST(TokenDatasets, ResumeOnShardsContinuesTheExactRun) {
  ScratchDir dir;
  const std::string recipe = write_recipe(dir, "shards", shards_data(dir, kCorpus));
  prepare(recipe);
  const std::vector<StepLog> straight = train(recipe, dir.path("straight"));
  std::vector<StepLog> split = train(recipe, dir.path("split"), {}, TrainOptions{"", false, 15});
  const std::vector<StepLog> rest = train(recipe, dir.path("split"), {}, TrainOptions{"", true});
  split.insert(split.end(), rest.begin(), rest.end());
  expect_same_run(straight, split);
}

TEST(TokenDatasets, LlmcBinFilesTrainExactlyLikeByteShardsOfTheSameBytes) {
  ScratchDir dir;
  const std::string corpus = read_corpus(kCorpus).substr(0, 200000);
  const std::string text = dir.write("corpus.txt", corpus);
  write_llmc_bin(dir.path("corpus.bin"), corpus);
  const std::string shards =
      write_recipe(dir, "shards", shards_data(dir, text, ", tokenizer: byte"));
  prepare(shards);
  const std::vector<StepLog> a = train(shards, dir.path("shards_run"));
  const std::string bin = write_recipe(dir, "bin", "{dataset: bin, path: " + dir.path("*.bin") + ", tokenizer: byte}");
  const std::vector<StepLog> b = train(bin, dir.path("bin_run"));
  expect_same_run(a, b);
  EXPECT_DOUBLE_EQ(b.back().val_bpb, b.back().val_loss / std::numbers::ln2);  // byte ids decode to one byte each

  if (std::system("command -v python3 > /dev/null 2>&1") != 0) GTEST_SKIP() << "python3 not found";
  fs::remove(dir.path("corpus.bin"));
  const std::string script = std::string(SF_SOURCE_DIR) + "/tools/data/write_llmc_bin.py";
  ASSERT_EQ(std::system(("python3 " + script + " " + dir.path("by_python.bin") + " --text " + text).c_str()), 0);
  expect_same_run(a, train(bin, dir.path("python_bin_run")));
}

TEST(TokenDatasets, ShardsTheConfigDoesNotDescribeAreRefused) {
  ScratchDir dir;
  const std::string recipe = write_recipe(dir, "shards", shards_data(dir, kCorpus));
  EXPECT_CONTAINS(error_of([&] { train(recipe, dir.path("none")); }), "run `seqforge prepare-data RECIPE` first");
  prepare(recipe);
  const std::string manifest = dir.path("shards/manifest.json");
  EXPECT_CONTAINS(error_of([&] { train(recipe, dir.path("byte"), {"data.tokenizer=byte"}); }),
                  manifest + ": the shards were tokenized by the char tokenizer, but data.tokenizer is byte");
  const std::string other = dir.write("other.txt", read_corpus(kCorpus).substr(0, 5000));
  EXPECT_CONTAINS(error_of([&] { train(recipe, dir.path("other"), {"data.source=[" + other + "]"}); }),
                  manifest + ": prepared from source [" + kCorpus + "]");
  EXPECT_CONTAINS(error_of([&] { train(recipe, dir.path("fraction"), {"data.train_fraction=0.8"}); }), "train_fraction 0.9");
  // Without data.source the recipe only trains on the shards: any that match its tokenizer will do.
  train(recipe, dir.path("plain"), {"data.source=[]", "train.steps=2"});
  // A checkpoint's tokenizer (init_from) must be the one the shards were tokenized by.
  const std::string byte_recipe = write_recipe(dir, "text_byte", "{path: " + kCorpus + ", tokenizer: byte}");
  train(byte_recipe, dir.path("byte_run"), {"train.steps=2"});
  EXPECT_CONTAINS(error_of([&] {
                    const std::string byte_checkpoint = dir.path("byte_run/checkpoints/step_000002.h5");
                    train(recipe, dir.path("init"), {"train.init_from=" + byte_checkpoint});
                  }),
                  "this run's tokenizer (from its checkpoint) is ");
}

}  // namespace
}  // namespace sf

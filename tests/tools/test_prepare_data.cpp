// `seqforge prepare-data` as a user runs it: from flags or from a recipe (whose relative paths are the
// recipe folder's), with progress lines when stderr is not a terminal; then `train` and `eval` on the
// shards, which report bits per byte.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "seqforge_process.h"

namespace sf::test {
namespace {

namespace fs = std::filesystem;

TEST(PrepareData, FlagsWriteShardsThatTrainAndEvaluateWithBitsPerByte) {
  TempDir tmp("prepare_flags");
  const std::string small = tmp.path + "/small.txt";
  std::ofstream(small) << read_text(corpus()).substr(0, 30000);
  Outcome p = seqforge("prepare-data --input " + small + " --out " + tmp.path + "/s --tokenizer byte --shard-tokens 4000");
  ASSERT_EQ(p.exit_code, 0) << p.output;
  EXPECT_NE(p.output.find("prepare-data: 1/1 files"), std::string::npos) << p.output;  // not a terminal: lines
  EXPECT_NE(p.output.find("wrote " + tmp.path + "/s/manifest.json: tokenizer byte"), std::string::npos) << p.output;
  EXPECT_NE(p.output.find("train: 27000 tokens in 7 shard(s), 1 bytes/token"), std::string::npos) << p.output;
  EXPECT_TRUE(fs::exists(tmp.path + "/s/shard_000007.h5"));

  const std::string recipe = write_tiny_recipe(tmp.path, "steps: 4, eval_every: 4, checkpoint_every: 4");
  Outcome t = seqforge("train " + recipe + " data.dataset=shards data.path=" + tmp.path +
                       "/s data.tokenizer=byte --sample 0 --out " + tmp.path + "/run");
  ASSERT_EQ(t.exit_code, 0) << t.output;
  EXPECT_NE(t.output.find(" | bpb "), std::string::npos) << t.output;
  Outcome e = seqforge("eval " + tmp.path + "/run/checkpoints/step_000004.h5");
  ASSERT_EQ(e.exit_code, 0) << e.output;
  EXPECT_NE(e.output.find("\"val_bpb\": "), std::string::npos) << e.output;
}

TEST(PrepareData, ARecipeNamesItsSourcesRelativeToItsFolder) {
  TempDir tmp("prepare_recipe");
  fs::create_directories(tmp.path + "/texts");
  std::ofstream(tmp.path + "/texts/a.txt") << read_text(corpus()).substr(0, 20000);
  std::ofstream(tmp.path + "/texts/b.txt") << read_text(corpus()).substr(20000, 5000);
  std::ofstream(tmp.path + "/r.yaml") << "model: {n_layer: 1, n_head: 2, n_embd: 16, block_size: 16}\n"
                                       << "data: {dataset: shards, path: shards, source: [texts/a.txt], val_source: "
                                          "[\"texts/b*.txt\"]}\n"
                                       << "train: {steps: 2, batch_size: 2, seq_len: 16, eval_batches: 1, threads: 1}\n";
  Outcome p = seqforge("prepare-data " + tmp.path + "/r.yaml", "", "/");  // not the recipe's folder
  ASSERT_EQ(p.exit_code, 0) << p.output;
  EXPECT_NE(p.output.find("val:   5000 tokens"), std::string::npos) << p.output;
  Outcome t = seqforge("train " + tmp.path + "/r.yaml --sample 0 --out " + tmp.path + "/run");
  EXPECT_EQ(t.exit_code, 0) << t.output;
}

}  // namespace
}  // namespace sf::test

// Passkey retrieval through the binary: a sliding-window attention model trains on it, and `seqforge eval`
// evaluates its checkpoint at another length and depth (data.task.eval_len, data.task.passkey_depth on the
// command line), reporting token accuracy and whole-key exact match.
#include <gtest/gtest.h>

#include <fstream>

#include "json_line.h"
#include "seqforge_process.h"

namespace {

using sf::test::Outcome;
using sf::test::last_json_line;
using sf::test::seqforge;

TEST(PasskeyCli, TrainsAndEvaluatesAtAnotherLengthAndDepth) {
  const sf::test::TempDir tmp("passkey_cli");
  const std::string recipe = tmp.path + "/passkey.yaml";
  std::ofstream(recipe) << "model: {n_layer: 1, n_head: 2, n_embd: 16, block_size: 512, pos: rope, attn_window: 24}\n"
                        << "data: {dataset: passkey, task: {vocab_size: 16, eval_examples: 8}}\n"
                        << "optim: {lr: 3.0e-3, warmup_steps: 1}\n"
                        << "train: {steps: 2, batch_size: 4, seq_len: 32, eval_every: 2, eval_batches: 2, log_every: 1, "
                           "threads: 1, checkpoint_every: 2}\n";
  const std::string out = tmp.path + "/run";
  Outcome train = seqforge("train " + recipe + " --sample 0 --out " + out);
  ASSERT_EQ(train.exit_code, 0) << train.output;
  EXPECT_NE(train.output.find(" | exact "), std::string::npos) << train.output;
  EXPECT_NE(sf::test::read_text(out + "/metrics.jsonl").find("\"val_exact_match\": "), std::string::npos);

  const std::string checkpoint = out + "/checkpoints/step_000002.h5";
  Outcome eval = seqforge("eval " + checkpoint + " data.task.eval_len=256 data.task.passkey_depth=0.5");
  ASSERT_EQ(eval.exit_code, 0) << eval.output;
  const nlohmann::json j = last_json_line(eval.output);
  EXPECT_TRUE(j.contains("accuracy")) << j;
  ASSERT_TRUE(j.contains("exact_match")) << j;
  EXPECT_LE(j["exact_match"].get<double>(), j["accuracy"].get<double>()) << j;

  Outcome bad = seqforge("eval " + checkpoint + " data.task.passkey_depth=1.5");
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.output.find("data.task.passkey_depth = 1.5: must be <= 1"), std::string::npos) << bad.output;
}

}  // namespace

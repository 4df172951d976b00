// `seqforge tokenizer train`, and a run with data.tokenizer: sentencepiece whose checkpoint carries the
// model, so eval and generate need no side file.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "seqforge_process.h"

namespace sf::test {
namespace {

TEST(TokenizerCli, TrainsAModelThatARunUsesAndItsCheckpointCarries) {
  const TempDir tmp("tokenizer_cli");
  // The first 200 kB of tiny Shakespeare, so the test stays quick.
  const std::string text = tmp.path + "/small.txt";
  {
    std::string head(200000, '\0');
    std::ifstream(corpus(), std::ios::binary).read(head.data(), static_cast<std::streamsize>(head.size()));
    std::ofstream(text, std::ios::binary) << head;
  }
  const std::string model = tmp.path + "/tok.model";
  Outcome trained = seqforge("tokenizer train --corpus " + text + " --vocab-size 400 --kind bpe --out " + model);
  ASSERT_EQ(trained.exit_code, 0) << trained.output;
  EXPECT_NE(trained.output.find("400 pieces"), std::string::npos) << trained.output;
  EXPECT_NE(trained.output.find("bytes per token"), std::string::npos) << trained.output;
  ASSERT_TRUE(std::filesystem::exists(model));
  EXPECT_FALSE(std::filesystem::exists(model + ".tmp"));

  // The tiny recipe, its data section pointing at the model (relative to the recipe's folder).
  std::string yaml;
  {
    std::ifstream in(write_tiny_recipe(tmp.path, "steps: 4, checkpoint_every: 4"));
    yaml.assign(std::istreambuf_iterator<char>(in), {});
  }
  const std::string data = "data: {path: " + corpus() + "}";
  ASSERT_NE(yaml.find(data), std::string::npos);
  yaml.replace(yaml.find(data), data.size(), "data: {path: small.txt, tokenizer: sentencepiece, tokenizer_model: tok.model}");
  const std::string recipe = tmp.path + "/spm.yaml";
  std::ofstream(recipe) << yaml;
  Outcome run = seqforge("train " + recipe + " --sample 0 --out " + tmp.path + "/run");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("vocab_size: 400"), std::string::npos) << run.output;

  std::filesystem::remove(model);  // the checkpoint is enough from here on
  const std::string ckpt = tmp.path + "/run/checkpoints/step_000004.h5";
  Outcome eval = seqforge("eval " + ckpt);
  EXPECT_EQ(eval.exit_code, 0) << eval.output;
  Outcome gen = seqforge("generate " + ckpt + " --tokens 20 --prompt 'ROMEO:'");
  EXPECT_EQ(gen.exit_code, 0) << gen.output;
  EXPECT_EQ(gen.output.rfind("ROMEO:", 0), 0u) << gen.output;
  // Without the checkpoint, the recipe names the missing model file.
  Outcome again = seqforge("train " + recipe + " --out " + tmp.path + "/run2");
  EXPECT_EQ(again.exit_code, 1) << again.output;
  EXPECT_NE(again.output.find(model + ": no such SentencePiece model file"), std::string::npos) << again.output;
}

TEST(TokenizerCli, BadOptionsFailWithAMessage) {
  const TempDir tmp("tokenizer_cli_bad");
  Outcome r = seqforge("tokenizer train --corpus /nonexistent.txt --out " + tmp.path + "/t.model");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("/nonexistent.txt: no such corpus file"), std::string::npos) << r.output;
  r = seqforge("tokenizer train --corpus " + corpus() + " --kind wordpiece --out " + tmp.path + "/t.model");
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("wordpiece"), std::string::npos) << r.output;
  r = seqforge("tokenizer train --corpus " + corpus() + " --vocab-size 300 --out " + tmp.path + "/t.model");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("--vocab-size 300 is too small"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("take 322 pieces"), std::string::npos) << r.output;
  r = seqforge("tokenizer");
  EXPECT_NE(r.exit_code, 0) << r.output;
}

}  // namespace
}  // namespace sf::test

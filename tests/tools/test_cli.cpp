// The seqforge binary as a user runs it: exit codes and what it prints.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

#include "core/device.h"
#include "seqforge_process.h"

namespace {

using sf::test::Outcome;
using sf::test::seqforge;

TEST(Cli, VersionPrintsNameAndVersion) {
  Outcome r = seqforge("--version");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(std::regex_match(r.output, std::regex("seqforge [0-9]+\\.[0-9]+\\.[0-9]+\n"))) << r.output;
}

TEST(Cli, HelpDescribesUsage) {
  Outcome r = seqforge("--help");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("seqforge"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("Usage:"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("--version"), std::string::npos) << r.output;
}

TEST(Cli, SchemaListsEveryRecipeKey) {
  Outcome r = seqforge("schema");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  for (const char* key : {"model.n_embd", "model.rnn.block", "data.task.curriculum_min_len", "optim.lr",
                          "train.seq_len", "checkpoint.keep_last", "distributed.backend"})
    EXPECT_NE(r.output.find(std::string("  ") + key + "  ("), std::string::npos) << key;
}

TEST(Cli, UnknownSubcommandFails) {
  Outcome r = seqforge("no-such-command");
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("unknown subcommand 'no-such-command'"), std::string::npos) << r.output;
}

TEST(Cli, UnknownOptionFails) {
  Outcome r = seqforge("--no-such-option");
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("--no-such-option"), std::string::npos) << r.output;
}

TEST(Cli, MissingSubcommandFails) {
  Outcome r = seqforge("");
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("subcommand"), std::string::npos) << r.output;
}

// The warning comes once, before anything is trained, and names both values.
TEST(Cli, TrainWarnsWhenTheRunEndsInsideTheWarmup) {
  const sf::test::TempDir tmp("warmup_warning");
  const std::string recipe = sf::test::write_tiny_recipe(tmp.path);  // warmup_steps: 5
  Outcome short_run = seqforge("train " + recipe + " train.steps=3 --dry-run");
  EXPECT_EQ(short_run.exit_code, 0) << short_run.output;
  const std::string warning =
      "warning: train.steps 3 <= optim.warmup_steps 5: the learning rate never reaches optim.lr 0.003 (the last "
      "step's is 0.0015)\n";
  const size_t at = short_run.output.find(warning);
  EXPECT_NE(at, std::string::npos) << short_run.output;
  EXPECT_EQ(short_run.output.find("warning:", at + 1), std::string::npos) << "warned twice:\n" << short_run.output;
  Outcome long_enough = seqforge("train " + recipe + " train.steps=6 --dry-run");
  EXPECT_EQ(long_enough.exit_code, 0) << long_enough.output;
  EXPECT_EQ(long_enough.output.find("warning:"), std::string::npos) << long_enough.output;
}

// generate's output without the speed line it ends with (on stderr), whose path name goes to `path`.
std::string generated_text(const std::string& output, std::string* path = nullptr) {
  static const std::regex speed(R"(generated \d+ tokens in \d+\.\d\d s \(\d+ tok/s, ([a-zA-Z0-9 ]+)\)\n$)");
  std::smatch m;
  EXPECT_TRUE(std::regex_search(output, m, speed)) << "no speed line at the end of:\n" << output;
  if (path != nullptr && !m.empty()) *path = m[1];
  return m.empty() ? output : output.substr(0, static_cast<size_t>(m.position(0)));
}

// A prompt inside the vocabulary is printed, then continued; the speed line names the path.
TEST(Cli, GeneratePrintsThePromptThenItsContinuation) {
  const sf::test::TempDir tmp("generate");
  const std::string recipe = sf::test::write_tiny_recipe(tmp.path, "steps: 2");
  Outcome train = seqforge("train " + recipe + " --out " + tmp.path + "/run");
  ASSERT_EQ(train.exit_code, 0) << train.output;
  Outcome r = seqforge("generate " + tmp.path + "/run/checkpoints/step_000002.h5 --prompt 'To be' --tokens 20");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  std::string path;
  const std::string text = generated_text(r.output, &path);
  EXPECT_EQ(text.rfind("To be", 0), 0u) << r.output;
  EXPECT_EQ(text.size(), std::string("To be").size() + 20 + 1) << r.output;  // 20 characters and a newline
  EXPECT_EQ(path, "recompute of the last 16 tokens") << "learned positions, 25 tokens > block_size 16";
}

// A RoPE model: the KV cache prints what --no-cache prints; --num-samples, --prompt-file, greedy decoding.
TEST(Cli, GenerateOptions) {
  const sf::test::TempDir tmp("generate_options");
  const std::string recipe = sf::test::write_tiny_recipe(tmp.path, "steps: 2");
  Outcome train = seqforge("train " + recipe + " model.pos=rope --out " + tmp.path + "/run");
  ASSERT_EQ(train.exit_code, 0) << train.output;
  const std::string generate = "generate " + tmp.path + "/run/checkpoints/step_000002.h5 --tokens 40 ";
  auto text_of = [&](const std::string& flags, const std::string& expected_path) {
    Outcome r = seqforge(generate + flags);
    EXPECT_EQ(r.exit_code, 0) << flags << "\n" << r.output;
    std::string path;
    const std::string text = generated_text(r.output, &path);
    EXPECT_EQ(path, expected_path) << flags;
    return text;
  };
  const std::string cached = text_of("--prompt 'To be' --seed 3 --top-p 0.9", "KV cache");
  EXPECT_EQ(text_of("--prompt 'To be' --seed 3 --top-p 0.9 --no-cache", "recompute"), cached);  // 45 > block_size 16
  EXPECT_NE(text_of("--prompt 'To be' --seed 4 --top-p 0.9", "KV cache"), cached);

  const std::string three = text_of("--prompt 'To be' --seed 3 --top-p 0.9 --num-samples 3", "KV cache");
  const std::string separator = "\n---------------\n";
  const size_t first = three.find(separator), second = three.find(separator, first + 1);
  ASSERT_NE(second, std::string::npos) << three;
  EXPECT_EQ(three.find(separator, second + 1), std::string::npos) << three;
  EXPECT_EQ(three.substr(0, first + 1), cached) << "the first sample is the single one";
  const std::string sample2 = three.substr(first + separator.size(), second - first - separator.size() + 1);
  EXPECT_EQ(sample2.rfind("To be", 0), 0u) << three;
  EXPECT_NE(sample2, cached) << "the second sample draws from its own stream";

  std::ofstream(tmp.path + "/prompt.txt") << "To be";
  EXPECT_EQ(text_of("--prompt-file " + tmp.path + "/prompt.txt --seed 3 --top-p 0.9", "KV cache"), cached);

  const std::string greedy = text_of("--prompt 'To be' --temperature 0 --seed 1", "KV cache");
  EXPECT_EQ(text_of("--prompt 'To be' --temperature 0 --seed 2 --no-cache", "recompute"), greedy);
}

// The issue's command: a device that cannot train is refused before anything runs, not trained on the CPU.
TEST(Cli, TrainOnCudaIsRefusedNamingTheDeviceAndWhy) {
  const sf::test::TempDir tmp("cuda_refused");
  Outcome r = seqforge("train recipes/shakespeare_char.yaml train.device=cuda --out " + tmp.path + "/run");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_EQ(r.output.rfind("error: command line: train.device = \"cuda\": training on CUDA is not supported yet", 0),
            0u)
      << r.output;
  if (sf::cuda_device_count() == 0)
    EXPECT_NE(r.output.find("no CUDA device is visible on this machine"), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(tmp.path + "/run/checkpoints")) << r.output;
}

// A finished text run ends with what `generate` would print from its last checkpoint, then that path.
TEST(Cli, TrainEndsWithASampleAndTheCheckpointPath) {
  const sf::test::TempDir tmp("train_sample");
  const std::string recipe = sf::test::write_tiny_recipe(tmp.path, "steps: 12");
  Outcome train = seqforge("train " + recipe + " --sample 40 --out " + tmp.path + "/run");
  ASSERT_EQ(train.exit_code, 0) << train.output;
  const std::string checkpoint = tmp.path + "/run/checkpoints/step_000012.h5";
  const std::string tail = "checkpoint: " + checkpoint + "\n";
  ASSERT_GE(train.output.size(), tail.size());
  EXPECT_EQ(train.output.substr(train.output.size() - tail.size()), tail) << train.output;
  Outcome generated = seqforge("generate " + checkpoint + " --tokens 40");
  ASSERT_EQ(generated.exit_code, 0) << generated.output;
  const std::string header = "sample of 40 tokens (seqforge generate " + checkpoint + " --tokens 40):";
  EXPECT_NE(train.output.find(header + generated_text(generated.output) + "\n" + tail), std::string::npos)
      << "train:\n" << train.output << "\ngenerate:\n" << generated.output;

  Outcome quiet = seqforge("train " + recipe + " --sample 0 --out " + tmp.path + "/quiet");
  ASSERT_EQ(quiet.exit_code, 0) << quiet.output;
  EXPECT_EQ(quiet.output.find("sample of"), std::string::npos) << quiet.output;
}

// Checkpoints store every key, defaults included: eval and --resume of runs whose block or init makes
// some keys unused (model.mlp for plain and bare blocks, model.init_std for model.init: pytorch) must
// load them (the plain block's were refused: "model.block: plain has no MLP").
TEST(Cli, EvalAndResumeLoadCheckpointsWhoseConfigLeavesKeysUnused) {
  const sf::test::TempDir tmp("unused_keys");
  const std::string recipe = sf::test::write_tiny_recipe(tmp.path, "steps: 2, checkpoint_every: 2, eval_every: 2");
  for (const std::string& choice : {"model.block=plain", "model.block=bare", "model.init=pytorch"}) {
    const std::string out = tmp.path + "/" + choice.substr(6);
    Outcome train = seqforge("train " + recipe + " " + choice + " --sample 0 --out " + out);
    ASSERT_EQ(train.exit_code, 0) << choice << "\n" << train.output;
    Outcome eval = seqforge("eval " + out + "/checkpoints/step_000002.h5");
    EXPECT_EQ(eval.exit_code, 0) << choice << "\n" << eval.output;
    Outcome resume = seqforge("train " + recipe + " " + choice + " train.steps=3 --sample 0 --resume --out " + out);
    EXPECT_EQ(resume.exit_code, 0) << choice << "\n" << resume.output;
  }
}

}  // namespace

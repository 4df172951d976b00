// The seqforge binary as a user runs it: exit codes and what it prints.
#include <gtest/gtest.h>

#include <filesystem>
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

// A prompt inside the vocabulary is printed, then continued.
TEST(Cli, GeneratePrintsThePromptThenItsContinuation) {
  const sf::test::TempDir tmp("generate");
  const std::string recipe = sf::test::write_tiny_recipe(tmp.path, "steps: 2");
  Outcome train = seqforge("train " + recipe + " --out " + tmp.path + "/run");
  ASSERT_EQ(train.exit_code, 0) << train.output;
  Outcome r = seqforge("generate " + tmp.path + "/run/checkpoints/step_000002.h5 --prompt 'To be' --tokens 20");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.rfind("To be", 0), 0u) << r.output;
  EXPECT_EQ(r.output.size(), std::string("To be").size() + 20 + 1) << r.output;  // 20 characters and a newline
}

// The command: a device that cannot train is refused before anything runs, not trained on the CPU.
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
  EXPECT_NE(train.output.find(header + generated.output + "\n" + tail), std::string::npos)
      << "train:\n" << train.output << "\ngenerate:\n" << generated.output;

  Outcome quiet = seqforge("train " + recipe + " --sample 0 --out " + tmp.path + "/quiet");
  ASSERT_EQ(quiet.exit_code, 0) << quiet.output;
  EXPECT_EQ(quiet.output.find("sample of"), std::string::npos) << quiet.output;
}

}  // namespace

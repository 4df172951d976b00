// The seqforge binary as a user runs it: exit codes and what it prints.
#include <gtest/gtest.h>

#include <regex>
#include <string>

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

}  // namespace

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

}  // namespace

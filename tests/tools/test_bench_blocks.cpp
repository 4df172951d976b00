// `seqforge bench` with a block scenario (tools/bench_blocks.h): every block and length is timed and
// reported as a JSON line the plot script reads; a bad scenario is refused naming the file and the key.
#include <gtest/gtest.h>

#include <fstream>

#include "tests/support.h"
#include "tests/tools/seqforge_process.h"

namespace sf {
namespace {

std::string write_scenario(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + name;
  std::ofstream(path) << text;
  return path;
}

TEST(BenchBlocks, TimesEveryBlockAtEveryLengthAndWritesJsonLines) {
  const std::string scenario = write_scenario("blocks.yaml", R"(blocks:
  attention: []
  gam: [model.gam.slots=8]
  m2: [model.m2.filter_order=8]
overrides: [model.n_embd=16, model.n_head=2, model.bias=true, model.pos=none, model.vocab_size=8]
lengths: [8, 16]
threads: 1
warmup: 1
reps: 2
min_reps: 1
point_budget_s: 0.01
attention_max_length: 8
)");
  const std::string json = ::testing::TempDir() + "blocks.jsonl";
  const test::Outcome r = test::seqforge("bench " + scenario + " --json-out " + json);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::ifstream in(json);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  // attention stops at attention_max_length; gam and m2 run at both lengths.
  ASSERT_EQ(lines.size(), 5u) << r.output;
  EXPECT_CONTAINS(lines[0], R"("program": "seqforge", "block": "attention", "L": 8,)");
  EXPECT_CONTAINS(lines[4], R"("block": "m2", "L": 16,)");
  for (const std::string& line : lines) EXPECT_EQ(line.find("\"tokens_per_s\": 0,"), std::string::npos) << line;
  EXPECT_CONTAINS(r.output, "| gam | 16 |");
}

TEST(BenchBlocks, ABadScenarioIsRefusedNamingTheFileAndTheKey) {
  const std::string typo = write_scenario("typo.yaml", "blocks: {gam: []}\nlenghts: [8]\n");
  test::Outcome r = test::seqforge("bench " + typo);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_CONTAINS(r.output, "typo.yaml: unknown key 'lenghts'");
  const std::string bad_mixer = write_scenario("bad_mixer.yaml", "blocks: {no_such_mixer: []}\nlengths: [8]\n");
  r = test::seqforge("bench " + bad_mixer);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_CONTAINS(r.output, "no_such_mixer");
  EXPECT_CONTAINS(test::seqforge("bench " + bad_mixer + " --json-out x.jsonl").output, "no_such_mixer");
  EXPECT_CONTAINS(test::seqforge("bench tools/bench/tiny.yaml --json-out x.jsonl", "", SF_SOURCE_DIR).output,
                  "--json-out is for block scenarios");
}

}  // namespace
}  // namespace sf

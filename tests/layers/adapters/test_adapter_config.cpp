// The adapter: section: every key does something, and a key of another kind is refused by name.
#include <gtest/gtest.h>

#include "config/loader.h"
#include "config/run_config.h"
#include "tests/support.h"

namespace sf::test {
namespace {

std::string error_for(const std::string& yaml) {
  return error_of([&] { run_config_from_yaml(yaml, "r.yaml"); });
}

TEST(AdapterConfig, ParsesEveryKey) {
  const RunConfig c = run_config_from_yaml(
      "adapter:\n  kind: nola\n  targets: [all_linear]\n  rank: 8\n  alpha: 2\n  dropout: 0.1\n  bias: lora_only\n"
      "  merge_on_eval: false\n  nola: {num_basis_a: 96, num_basis_b: 48, seed: 3, chunk: 16}\n",
      "r.yaml");
  EXPECT_EQ(c.adapter.kind, AdapterKind::nola);
  EXPECT_EQ(c.adapter.targets, std::vector<std::string>{"all_linear"});
  EXPECT_EQ(c.adapter.nola.num_basis_b, 48);
  EXPECT_EQ(c.adapter.bias, AdapterBias::lora_only);
  EXPECT_FALSE(c.adapter.merge_on_eval);
  EXPECT_EQ(run_config_from_yaml("adapter: {freeze: [wte.*]}\n", "r.yaml").adapter.freeze,
            std::vector<std::string>{"wte.*"});
}

TEST(AdapterConfig, KeysOfAnotherKindAreRefused) {
  EXPECT_NE(error_for("adapter:\n  rank: 8\n").find("r.yaml:2: adapter.rank"), std::string::npos)
      << error_for("adapter:\n  rank: 8\n");
  EXPECT_NE(error_for("adapter:\n  rank: 8\n").find("is read only with adapter.kind: lora or nola"), std::string::npos);
  EXPECT_NE(error_for("adapter: {kind: nola, init_a: gaussian}\n").find("is read only with adapter.kind: lora"),
            std::string::npos);
  EXPECT_NE(error_for("adapter: {kind: lora, nola: {num_basis_a: 4}}\n").find("is read only with adapter.kind: nola"),
            std::string::npos);
  EXPECT_NE(error_for("adapter: {kind: lora, freeze: [wte.*]}\n").find("is for adapter.kind: none"), std::string::npos);
  EXPECT_NE(error_for("adapter: {kind: lora, rank: 0}\n").find("adapter.rank = 0: must be > 0"), std::string::npos);
  EXPECT_NE(error_for("adapter: {kind: lora, dropout: 1}\n").find("must be in [0, 1)"), std::string::npos);
  EXPECT_NE(error_for("adapter: {kind: lora, targets: []}\n").find("must name a preset"), std::string::npos);
  EXPECT_NE(error_for("adapter: {kind: lorra}\n").find("one of: none, lora, nola"), std::string::npos);
  EXPECT_NE(error_for("adapter: {kind: nola, nola: {basis: 4}}\n").find("unknown key 'adapter.nola.basis'"),
            std::string::npos);
}

}  // namespace
}  // namespace sf::test

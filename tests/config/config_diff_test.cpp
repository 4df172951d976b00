#include "config/config_diff.h"

#include <gtest/gtest.h>

#include "config/loader.h"
#include "test_util.h"

namespace sf {

void PrintTo(const ConfigDifference& d, std::ostream* os) { *os << d.key << ": " << d.before << " -> " << d.after; }

namespace {

TEST(ConfigDiff, EqualConfigsHaveNoDifferences) {
  EXPECT_TRUE(config_differences(RunConfig{}, RunConfig{}).empty());
}

TEST(ConfigDiff, ListsEveryChangedFieldInSchemaOrderWithBothValues) {
  const RunConfig before;
  const RunConfig after = run_config_from_yaml(
      "train: {device: cuda, batch_size: 48}\ncheckpoint: {milestones: [100, 200]}\n"
      "model: {toy: {heads: 8, inner: {rate: 2}}, norm: rmsnorm}\ndata: {train_fraction: 0.5}\noptim: {lr: 0.003}\n",
      "test");
  const std::vector<ConfigDifference> expected = {
      {"model.norm", "layernorm", "rmsnorm"},
      {"model.toy.heads", "4", "8"},
      {"model.toy.inner.rate", "0.5", "2.0"},
      {"data.train_fraction", "0.9", "0.5"},
      {"optim.lr", "0.001", "0.003"},
      {"train.batch_size", "12", "48"},
      {"train.device", "\"cpu\"", "\"cuda\""},
      {"checkpoint.milestones", "[]", "[100, 200]"},
  };
  EXPECT_EQ(config_differences(before, after), expected);
}

}  // namespace
}  // namespace sf

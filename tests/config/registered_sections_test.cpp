// Config sections registered from outside config/ (config/section_registry.h), on the test's stand-in
// model.toy: they bind with file:line errors, write back, list, diff, compare and validate like a
// built-in section; model.mixer and model.layers take only registered names.
#include "config/section_registry.h"

#include <gtest/gtest.h>

#include "config/config_diff.h"
#include "config/loader.h"
#include "test_util.h"
#include "toy_section.h"

namespace sf {
namespace {

using testing_config::error_of;
using testing_config::ToyConfig;
using testing_config::ToyKind;

RunConfig from_yaml(const std::string& text) { return run_config_from_yaml(text, "x.yaml"); }

TEST(RegisteredSections, BindWriteBackAndCompareLikeBuiltInSections) {
  const RunConfig c = from_yaml("model:\n  toy:\n    heads: 8\n    kind: fancy\n    names: [a, b]\n    inner: {rate: 2}\n");
  const ToyConfig& toy = c.model.section<ToyConfig>();
  EXPECT_EQ(toy.heads, 8);
  EXPECT_EQ(toy.kind, ToyKind::fancy);
  EXPECT_EQ(toy.names, (std::vector<std::string>{"a", "b"}));
  EXPECT_DOUBLE_EQ(toy.inner.rate, 2.0);

  const std::string text = to_yaml(c);
  EXPECT_CONTAINS(text, "  toy:\n    heads: 8\n    kind: fancy\n    names: [a, b]\n    inner:\n      rate: 2.0\n");
  EXPECT_EQ(from_yaml(text), c);
  EXPECT_NE(c, RunConfig{});
  RunConfig copy = c;  // a copy owns its own section
  copy.model.section<ToyConfig>().heads = 9;
  EXPECT_EQ(c.model.section<ToyConfig>().heads, 8);
  EXPECT_EQ(config_differences(c, copy), (std::vector<ConfigDifference>{{"model.toy.heads", "8", "9"}}));
}

TEST(RegisteredSections, ErrorsNameTheFileLineAndNearestKey) {
  EXPECT_EQ(error_of([] { from_yaml("model:\n  toy:\n    haeds: 2\n"); }),
            "x.yaml:3: unknown key 'model.toy.haeds'; did you mean 'model.toy.heads'?");
  // A section's key written one level up, and a built-in key written inside the section.
  EXPECT_EQ(error_of([] { from_yaml("model:\n  heads: 2\n"); }),
            "x.yaml:2: unknown key 'model.heads'; did you mean 'model.toy.heads'?");
  EXPECT_EQ(error_of([] { from_yaml("model:\n  toy: {n_layer: 2}\n"); }),
            "x.yaml:2: unknown key 'model.toy.n_layer'; did you mean 'model.n_layer'?");
  EXPECT_EQ(error_of([] { from_yaml("model:\n  toy: 3\n"); }), "x.yaml:2: 'model.toy' expects a map of keys, found '3'");
}

TEST(RegisteredSections, EachSectionsOwnRulesRunWithProvenance) {
  EXPECT_EQ(error_of([] { from_yaml("model:\n  toy:\n    heads: 0\n"); }), "x.yaml:3: model.toy.heads = 0: must be > 0");
  EXPECT_EQ(error_of([] { from_yaml("model:\n  toy:\n    inner:\n      rate: -1\n"); }),
            "x.yaml:4: model.toy.inner.rate = -1.0: must be > 0");
}

TEST(RegisteredSections, SchemaListsTheSectionWithItsDefaultsAndMeanings) {
  std::vector<SchemaEntry> rows;
  for (const SchemaEntry& e : schema_entries<RunConfig>())
    if (e.key.starts_with("model.toy")) rows.push_back(e);
  ASSERT_EQ(rows.size(), 6u);
  EXPECT_TRUE(rows[0].section);
  EXPECT_EQ(rows[0].doc, "a registered test section");
  EXPECT_EQ(rows[1].key, "model.toy.heads");
  EXPECT_EQ(rows[1].value, "4");
  EXPECT_EQ(rows[1].doc, "toy heads");
  EXPECT_EQ(rows[5].key, "model.toy.inner.rate");
}

TEST(RegisteredSections, MixerNamesMustBeRegistered) {
  EXPECT_EQ(error_of([] { from_yaml("model:\n  mixer: mamab\n"); }),
            "x.yaml:2: model.mixer = \"mamab\": 'mamab' is not a registered mixer; did you mean 'mamba'? "
            "(registered: attention, mamba)");
  EXPECT_EQ(error_of([] { from_yaml("model:\n  n_layer: 2\n  layers: [attention, mamab]\n"); }),
            "x.yaml:3: model.layers = [\"attention\", \"mamab\"]: entry 2: 'mamab' is not a registered mixer; "
            "did you mean 'mamba'? (registered: attention, mamba)");
  EXPECT_EQ(error_of([] { from_yaml("model:\n  n_layer: 3\n  layers: [attention, mamba]\n"); }),
            "x.yaml:3: model.layers = [\"attention\", \"mamba\"]: has 2 entries but model.n_layer = 3; name one "
            "mixer per block");
  const RunConfig hybrid = from_yaml("model:\n  n_layer: 2\n  layers: [mamba, attention]\n");
  EXPECT_EQ(hybrid.model.mixer_of(0), "mamba");
  EXPECT_EQ(hybrid.model.mixer_of(1), "attention");
  EXPECT_EQ(RunConfig{}.model.mixer_of(3), "attention");
}

TEST(RegisteredSections, RegisteringTwiceOrAskingForAnUnregisteredTypeFails) {
  EXPECT_CONTAINS(error_of([] { register_config_section<ToyConfig>("model", "toy", "again"); }),
                  "config section model.toy is registered twice");
  EXPECT_CONTAINS(error_of([] { register_mixer_name("mamba"); }), "mixer 'mamba' is registered twice");
  EXPECT_CONTAINS(error_of([] { RunConfig{}.model.section<testing_config::ToyInner>(); }),
                  "is registered under 'model'");
}

}  // namespace
}  // namespace sf

// The mixer families' registrations (layers/registry.h): every mixer of the registry is a name the config
// accepts, and each family's own section (model.ssm, model.rnn) binds, lists and validates through the
// config layer with file:line errors, without the config layer naming any of them.
#include <gtest/gtest.h>

#include "config/loader.h"
#include "config/section_registry.h"
#include "config/yaml_writer.h"
#include "layers/registry.h"
#include "layers/rnn/rnn_config.h"
#include "layers/ssm/ssm_config.h"
#include "tests/support.h"

namespace sf {
namespace {

RunConfig from_yaml(const std::string& text) { return run_config_from_yaml(text, "r.yaml"); }

TEST(MixerSections, TheConfigAcceptsExactlyTheRegisteredMixers) {
  std::vector<std::string> names;
  for (const MixerEntry& e : mixer_registry()) names.emplace_back(e.name);
  EXPECT_EQ(names, registered_mixer_names());
  EXPECT_EQ(names, (std::vector<std::string>{"attention", "s4d", "s4", "mamba", "lstm", "gru", "paragru", "paralstm", "gam", "m2",
                                            "titans_lmm", "titans_mac", "titans_mag", "titans_mal"}));
  EXPECT_EQ(test::error_of([] { from_yaml("model:\n  mixer: mamab\n"); }),
            "r.yaml:2: model.mixer = \"mamab\": 'mamab' is not a registered mixer; did you mean 'mamba'? (registered: "
            "attention, s4d, s4, mamba, lstm, gru, paragru, paralstm, gam, m2, titans_lmm, titans_mac, titans_mag, titans_mal)");
}

TEST(MixerSections, TitansSegmentsAreRefusedWithoutMac) {
  // model.titans is read by every Titans mixer, but only titans_mac has segments.
  EXPECT_EQ(from_yaml("model:\n  mixer: titans_mac\n  titans: {segment: 32}\n").model.mixer, "titans_mac");
  EXPECT_CONTAINS(test::error_of([] { from_yaml("model:\n  mixer: titans_lmm\n  titans: {segment: 32}\n"); }),
                  "model.titans.segment = 32: is only read by titans_mac and no block uses it");
  EXPECT_CONTAINS(test::error_of([] { from_yaml("model:\n  mixer: attention\n  titans: {chunk: 8}\n"); }),
                  "no block uses a mixer that reads model.titans");
}

TEST(MixerSections, EachFamilysKeysBindUnderItsSection) {
  const RunConfig c = from_yaml(
      "model:\n  n_layer: 2\n  layers: [mamba, paragru]\n  ssm: {d_state: 8, init: s4d_inv}\n  rnn:\n    block: gated\n");
  EXPECT_EQ(c.model.section<SsmConfig>().d_state, 8);
  EXPECT_EQ(c.model.section<SsmConfig>().init, SsmInit::s4d_inv);
  EXPECT_EQ(c.model.section<RnnConfig>().block, RnnBlock::gated);
  EXPECT_EQ(from_yaml(to_yaml(c)), c);
  EXPECT_CONTAINS(run_config_help(), "  model.ssm.d_state  (an integer; default 16)  state size N");
  EXPECT_CONTAINS(run_config_help(), "  model.rnn.block  (one of: cell, gated; default cell)");
}

TEST(MixerSections, MisplacedKeysAndBadValuesNameTheLine) {
  EXPECT_EQ(test::error_of([] { from_yaml("model:\n  d_state: 8\n"); }),
            "r.yaml:2: unknown key 'model.d_state'; did you mean 'model.ssm.d_state'?");
  EXPECT_EQ(test::error_of([] { from_yaml("model:\n  ssm:\n    heads: 2\n"); }),
            "r.yaml:3: unknown key 'model.ssm.heads'; did you mean 'model.rnn.heads'?");
  EXPECT_EQ(test::error_of([] { from_yaml("model:\n  rnn: {block: gate}\n"); }),
            "r.yaml:2: 'model.rnn.block' expects one of: cell, gated, found 'gate'");
  EXPECT_EQ(test::error_of([] { from_yaml("model:\n  rnn:\n    d_conv: 0\n"); }), "r.yaml:3: model.rnn.d_conv = 0: must be > 0");
  EXPECT_EQ(test::error_of([] { from_yaml("model:\n  ssm: {dt_min: 0.5}\n"); }),
            "config (built-in default): model.ssm.dt_max = 0.1: must be >= model.ssm.dt_min (0.5)");
}

}  // namespace
}  // namespace sf

// Every recipe the repository ships (and every run of its sweep files) loads and builds: its defaults exist, every key is known, every
// value has the right type and range, and the model it describes can be constructed (mixer-specific
// checks such as s4's init run there). A typo in recipes/ or configs/ fails here, not in a user's run.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "config/loader.h"
#include "layers/model.h"
#include "layers/sequence_model.h"
#include "tests/shipped_recipes.h"

namespace sf {
namespace {

TEST(ShippedRecipes, EveryRecipeLoadsAndBuildsItsModel) {
  std::vector<std::pair<std::string, RunConfig>> runs;
  ASSERT_NO_THROW(runs = test::shipped_runs());
  for (auto& [name, config] : runs) {
    try {
      ModelConfig& model = config.model;
      if (model.vocab_size == 0) model.vocab_size = 65;  // taken from the tokenizer at run time
      const std::shared_ptr<Model> built = make_model(model);
      EXPECT_GT(built->num_parameters(), 0) << name;
    } catch (const std::exception& e) {
      ADD_FAILURE() << name << ": " << e.what();
    }
  }
  EXPECT_GE(runs.size(), 40u);  // the folder was found and read, sweeps expanded
}

// The hybrid recipe builds what it says: attention in blocks 0 and 2, mamba in 1 and 3.
TEST(ShippedRecipes, HybridShakespeareAlternatesAttentionAndMamba) {
  ModelConfig model = load_run_config(std::string(SF_SOURCE_DIR) + "/recipes/hybrid_shakespeare.yaml").config.model;
  EXPECT_EQ(model.layers, (std::vector<std::string>{"attention", "mamba", "attention", "mamba"}));
  model.vocab_size = 65;
  const SequenceModel built(model);
  std::vector<std::string> names;
  for (const auto& [name, p] : built.named_parameters()) names.push_back(name);
  for (const char* expected : {"blocks.0.mixer.wqkv.weight", "blocks.1.mixer.in_proj.weight", "blocks.2.mixer.wqkv.weight",
                               "blocks.3.mixer.in_proj.weight"})
    EXPECT_NE(std::find(names.begin(), names.end(), expected), names.end()) << expected;
}

}  // namespace
}  // namespace sf

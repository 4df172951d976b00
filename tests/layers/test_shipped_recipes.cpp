// Every recipe the repository ships loads and builds: its defaults exist, every key is known, every
// value has the right type and range, and the model it describes can be constructed (mixer-specific
// checks such as s4's init run there). A typo in recipes/ or configs/ fails here, not in a user's run.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "config/loader.h"
#include "layers/sequence_model.h"

namespace sf {
namespace {

TEST(ShippedRecipes, EveryRecipeLoadsAndBuildsItsModel) {
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(std::string(SF_SOURCE_DIR) + "/recipes")) {
    if (entry.path().extension() != ".yaml") continue;
    ++count;
    try {
      ModelConfig model = load_run_config(entry.path().string()).config.model;
      if (model.vocab_size == 0) model.vocab_size = 65;  // taken from the tokenizer at run time
      SequenceModel built(model);
      EXPECT_GT(built.num_parameters(), 0) << entry.path();
    } catch (const std::exception& e) {
      ADD_FAILURE() << entry.path() << ": " << e.what();
    }
  }
  EXPECT_GE(count, 20);  // the folder was found and read
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

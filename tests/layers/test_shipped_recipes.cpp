// Every recipe the repository ships loads and builds: its defaults exist, every key is known, every
// value has the right type and range, and the model it describes can be constructed (mixer-specific
// checks such as s4's init run there). A typo in recipes/ or configs/ fails here, not in a user's run.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

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

}  // namespace
}  // namespace sf

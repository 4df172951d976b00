// Paths in recipes name the same files wherever seqforge is started (the rule is in config/loader.h):
// a relative path in a YAML file is taken from that file's folder, the resolved config and the
// checkpoints store it absolute, and `seqforge eval` of a checkpoint works from any directory.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "train/checkpoint.h"
#include "seqforge_process.h"

namespace sf::test {
namespace {
namespace fs = std::filesystem;

std::string replace_once(std::string text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << "'" << from << "' not in:\n" << text;
  return at == std::string::npos ? text : text.replace(at, from.size(), to);
}

TEST(Paths, AShippedRecipeFindsItsCorpusFromAnotherDirectory) {
  const TempDir tmp("paths_shipped");
  const std::string recipe = std::string(SF_SOURCE_DIR) + "/recipes/shakespeare_char.yaml";
  Outcome r = seqforge("train " + recipe + " --dry-run", "", tmp.path);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("  path: " + corpus() + "\n"), std::string::npos) << r.output;
}

TEST(Paths, ARecipeTrainedFromAnotherDirectoryEvaluatesFromAnywhere) {
  const TempDir tmp("paths_relative");
  const fs::path root = fs::canonical(tmp.path);  // as the working directory names it
  fs::create_directories(root / "recipes");
  fs::create_directories(root / "elsewhere");
  // The corpus relative to the recipe's folder, as a recipe in a repository writes it.
  const std::string recipe = write_tiny_recipe((root / "recipes").string(), "steps: 2");
  const std::string relative = fs::relative(corpus(), root / "recipes").string();
  const std::string text = replace_once(read_text(recipe), corpus(), relative);
  std::ofstream(recipe) << text;

  Outcome train = seqforge("train ../recipes/tiny.yaml --out run", "", (root / "elsewhere").string());
  ASSERT_EQ(train.exit_code, 0) << train.output;
  const std::string absolute = "  path: " + fs::canonical(corpus()).string() + "\n";
  EXPECT_NE(read_text((root / "elsewhere/run/config.resolved.yaml").string()).find(absolute), std::string::npos);
  const std::string checkpoint = (root / "elsewhere/run/checkpoints/step_000002.h5").string();
  EXPECT_NE(load_checkpoint(checkpoint, false).config_yaml.find(absolute), std::string::npos);

  Outcome eval = seqforge("eval " + checkpoint, "", "/");
  EXPECT_EQ(eval.exit_code, 0) << eval.output;
  EXPECT_NE(eval.output.find("{\"step\": 2, \"val_loss\": "), std::string::npos) << eval.output;
}

// Checkpoints written before paths were stored absolute hold the recipe's relative paths.
TEST(Paths, AnOlderCheckpointEvaluatesFromTheDirectoryItsTrainingRanIn) {
  const TempDir tmp("paths_older");
  Outcome train = seqforge("train " + write_tiny_recipe(tmp.path, "steps: 2") + " --out " + tmp.path + "/run");
  ASSERT_EQ(train.exit_code, 0) << train.output;
  Checkpoint c = load_checkpoint(tmp.path + "/run/checkpoints/step_000002.h5");
  c.config_yaml = replace_once(c.config_yaml, corpus(), "data/corpora/tinyshakespeare.txt");
  const std::string older = tmp.path + "/older.h5";
  save_checkpoint(older, c);

  Outcome from_root = seqforge("eval " + older, "", SF_SOURCE_DIR);
  EXPECT_EQ(from_root.exit_code, 0) << from_root.output;
  Outcome elsewhere = seqforge("eval " + older, "", tmp.path);
  EXPECT_EQ(elsewhere.exit_code, 1) << elsewhere.output;
  const std::string message = "error: " + older + " stores data.path 'data/corpora/tinyshakespeare.txt' relative to "
                              "the directory its training ran in (it predates absolute paths), and ";
  EXPECT_NE(elsewhere.output.find(message), std::string::npos) << elsewhere.output;
  EXPECT_NE(elsewhere.output.find("run eval from there, or pass data.path=FILE"), std::string::npos)
      << elsewhere.output;
}

}  // namespace
}  // namespace sf::test

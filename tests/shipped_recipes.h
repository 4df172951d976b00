// Every run the repository ships: each recipe under recipes/, and each run of each sweep file there
// (train/sweep.h: a file with `base:`), loaded as `seqforge train` / `seqforge ablate` would load it
// (without checking that the files they name exist).
#pragma once
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "config/loader.h"
#include "train/sweep.h"

namespace sf::test {

// (name, config): "shakespeare_char.yaml", "ablate_mixers.yaml:mamba-seed1337", ...
inline std::vector<std::pair<std::string, RunConfig>> shipped_runs() {
  std::vector<std::pair<std::string, RunConfig>> out;
  for (const auto& entry : std::filesystem::directory_iterator(std::string(SF_SOURCE_DIR) + "/recipes")) {
    if (entry.path().extension() != ".yaml") continue;
    const std::string path = entry.path().string(), name = entry.path().filename().string();
    if (parse_yaml(read_text(path, "recipe"), path)["base"].IsDefined()) {
      // Loaded, not checked for files (check_sweep): a fine-tuning sweep names a checkpoint that its
      // pretraining recipe writes, which a clean checkout does not have.
      const Sweep sweep = load_sweep(path);
      for (const SweepRun& run : sweep.runs)
        out.emplace_back(name + ":" + run.dir, load_run_config(sweep.base, run.override_texts()).config);
    } else {
      out.emplace_back(name, load_run_config(path).config);
    }
  }
  return out;
}

}  // namespace sf::test

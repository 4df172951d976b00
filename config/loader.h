// Loading a recipe into a validated RunConfig.
//
//   recipes/x.yaml:
//     defaults: [model/gpt/small, optim/adamw]   # configs/model/gpt/small.yaml, ... merged in order
//     train: {steps: 2000}
//
// Every file (recipe and configs alike) has the same schema: top-level sections plus the
// optional `defaults:`. A configs file may list its own defaults. Each file is checked against
// the schema on its own, so an error names that file and line; the files are then merged depth
// first (a file's defaults in order, then the file itself), and the command-line overrides last.
// `sweep:` is refused: it belongs in a sweep file, which `seqforge ablate` reads (train/sweep.h).
//
// Paths (the keys path_fields lists: data.path, data.val_path, train.init_from): a relative path
// written in a YAML file is relative to the directory of that file; one given on the command line
// (data.path=x.txt) is relative to the current directory. The loader stores them absolute, so a
// recipe means the same files wherever seqforge is started, and the resolved config (printed,
// config.resolved.yaml, a checkpoint's /config) names absolute paths.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "config/run_config.h"
#include "config/validator.h"

namespace sf {

struct LoadedConfig {
  RunConfig config;
  std::string recipe_path;
  std::string recipe_text;         // the recipe file as written
  std::vector<std::string> files;  // every file merged, in merge order (the recipe last)
  Provenance where;                // which file and line set each key
};

// Loads `recipe_path`, applies `overrides` ("model.n_layer=12", "optim.lr=6e-4",
// "checkpoint.milestones=[1000, 2000]"; values are YAML) and validates the result. `defaults:`
// names are looked up under `config_root` when it is non-empty, else under
// <recipe dir>/../configs, then ./configs; ".yaml" is appended when the name has no extension.
// Throws sf::Error naming the file and line (or "command line") of the first problem.
LoadedConfig load_run_config(const std::string& recipe_path, const std::vector<std::string>& overrides = {},
                             const std::string& config_root = "");

// A config from YAML text without `defaults:`, e.g. to_yaml() output stored in a checkpoint, with
// `overrides` applied as load_run_config does; validated. `source` names the text in messages. The
// text's paths are kept as written (it has no directory of its own); `where`, when given, receives
// where each key was set. A key the text holds at its built-in default counts as not set (a stored
// config lists every key), so the rules against keys that would be ignored see what was chosen.
RunConfig run_config_from_yaml(const std::string& text, const std::string& source,
                               const std::vector<std::string>& overrides = {}, Provenance* where = nullptr);

// A file's text; throws sf::Error naming `what` ("recipe") and the path when it cannot be read.
std::string read_text(const std::filesystem::path& path, const std::string& what);
// Parses YAML text; a syntax error is an sf::Error naming `source` and the line.
YAML::Node parse_yaml(const std::string& text, const std::string& source);

}  // namespace sf

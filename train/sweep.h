// Sweep files: what `seqforge ablate` runs. A sweep names a base recipe and the variants to train
// from it; each variant is a list of key=value overrides on top of the recipe, like the command line's.
//
//   base: shakespeare_char.yaml       # the recipe (relative to this file)
//   sweep:
//     set: {train.steps: 2000}        # optional: overrides for every variant
//     grid:                           # optional: every combination of these values
//       model.mixer: [attention, mamba]
//       optim.lr: [1.0e-3, 3.0e-3]
//     variants:                       # optional: named sets of overrides (dotted keys or nested maps)
//       - {name: rope, model.pos: rope}
//       - name: hybrid
//         model: {layers: [attention, mamba, attention, mamba]}
//     seeds: [1, 2]                   # optional: every variant once per seed (train.seed)
//
// A variant may name a `reference:` variant (`{name: mkor_sgd, reference: sgd, ...}`): the results then
// compare it with that variant's run at the same grid point and seed (train/sweep_results.h: the steps and
// wall time it takes to reach the reference's final validation loss).
//
// With both a grid and variants, every variant is combined with every grid point. A grid point is
// named by its values ("mixer=mamba,lr=0.003"); a combination by "variant+point". Overrides apply in
// the order set, grid, variant, then the command line's (which win). Relative paths in the sweep file
// are relative to it, as in recipes.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "config/loader.h"

namespace sf {

struct SweepOverride {
  std::string key;     // dotted, "model.mixer"
  std::string value;   // YAML text, "mamba" or "[attention, mamba]"
  std::string origin;  // "recipes/ablate.yaml:7", or "command line"
  std::string text() const { return key + "=" + value; }
};

struct SweepRun {
  std::string variant;  // "mamba", "mixer=mamba,lr=0.003"
  int64_t seed = -1;    // -1: the recipe's own train.seed (the sweep has no seeds:)
  std::string dir;      // run directory name under the sweep's output: the variant, "-seed<k>" with seeds
  std::vector<SweepOverride> overrides;                     // in application order, the command line's last
  std::vector<std::pair<std::string, std::string>> swept;   // the keys this variant sets and their values
  std::string reference;  // the dir of the run it is compared with (the variant's reference:); "" = none
  std::vector<std::string> override_texts() const;          // key=value, for load_run_config and `train`
};

struct Sweep {
  std::string path;  // the sweep file
  std::string base;  // the base recipe, as a path usable from the current directory
  std::vector<SweepRun> runs;
  std::vector<std::string> swept_keys;  // every key some variant sets, in first-seen order
};

// Reads and expands a sweep file, with `overrides` (key=value) applied to every run. Throws sf::Error
// naming the file and line of the first problem: malformed YAML, an unknown key of the sweep file, an
// empty grid or grid list, a repeated grid value, seed or variant name, a variant without a name, a
// reference: that names no other variant.
Sweep load_sweep(const std::string& path, const std::vector<std::string>& overrides = {});

// Loads every run's config (base recipe + its overrides) as `seqforge train` would and checks its data
// config, before anything trains. A bad override (unknown key, wrong type, bad value) is reported at
// the line of the sweep file that wrote it, with the variant's name. Returns the configs in run order.
std::vector<LoadedConfig> check_sweep(const Sweep& sweep);

}  // namespace sf

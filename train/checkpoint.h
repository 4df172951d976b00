// Training checkpoints: one HDF5 file per saved step (readable by h5py).
//
//   /model/<param name>      parameters, dotted names          (float32 / float64)
//   /optim/<state name>      optimizer state ("exp_avg/<param>", "step", ...); absent when the run set
//                            checkpoint.save_optimizer: false (root attribute has_optimizer = 0)
//   /state/step, /state/sampler, /state/seed     int64 scalars
//   /state/elapsed_s         float64 scalar: wall seconds of the run so far (absent before it was stored: 0)
//   /tokenizer               the tokenizer's to_string() text
//   /config                  the resolved run config (YAML), /recipe: the recipe as written
// Root attributes: format = "seqforge-checkpoint", format_version. Every tensor carries an FNV-1a
// checksum of its bytes ("fnv1a64"); loading verifies each and names the first bad tensor.
// Files are written to "<path>.tmp", flushed and fsynced, then renamed: a crash mid-write leaves the
// previous checkpoint intact (and a stray .tmp that latest_checkpoint ignores). A model holding NaN/Inf
// is not saved.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/tensor.h"

namespace sf {

class Module;
using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

struct Checkpoint {
  NamedTensors model;
  NamedTensors optim;
  bool has_optimizer = true;     // false: saved without optimizer state, `optim` is not written
  int64_t step = 0;              // optimizer steps completed
  uint64_t sampler_state = 0;    // BatchSampler counter
  uint64_t seed = 0;
  double elapsed_s = 0;          // wall seconds since the run started, across resumes
  std::string tokenizer;         // Tokenizer::to_string()
  std::string config_yaml;       // to_yaml(RunConfig)
  std::string recipe_text;
};

constexpr int64_t kCheckpointFormatVersion = 1;
constexpr size_t kCheckpointHeaderBytes = 512;

void save_checkpoint(const std::string& path, const Checkpoint& ckpt);
// Throws sf::Error naming the file and the problem (not a checkpoint, newer format, bad checksum ...).
// `with_optimizer` reads the optimizer state when the file holds one (has_optimizer says whether it does).
Checkpoint load_checkpoint(const std::string& path, bool with_optimizer = true);

// Refuses, naming `path`, a checkpoint saved without optimizer state: continuing a run from it would
// silently restart AdamW's moments, so it may only seed a new run (train.init_from).
void require_optimizer_state(const Checkpoint& ckpt, const std::string& path);

// Loads the checkpoint's parameters into `model`. A checkpoint of another architecture or vocabulary is
// refused with a message naming `path`, the first mismatching parameter and both shapes.
void load_model_state(Module& model, const Checkpoint& ckpt, const std::string& path);

// Rewrites the seal of a checkpoint file from its current contents (save_checkpoint calls it; tests
// use it to make deliberately inconsistent files that pass the seal).
void seal_checkpoint(const std::string& path);

// "<dir>/step_000200.h5"; the latest complete checkpoint in dir ("" when there is none).
std::string checkpoint_path(const std::string& dir, int64_t step);
std::string latest_checkpoint(const std::string& dir);
// Deletes rolling checkpoints beyond the newest `keep_last` (0 = keep all), sparing milestones.
void prune_checkpoints(const std::string& dir, int64_t keep_last, const std::vector<int64_t>& milestones);

}  // namespace sf

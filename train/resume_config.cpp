#include "train/resume_config.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "config/config_diff.h"
#include "config/yaml_binder.h"
#include "core/error.h"
#include "train/checkpoint.h"

namespace sf {
namespace fs = std::filesystem;
using detail::cat;

namespace {

// An --allow-change entry covers its key, or every key of its section ("optim" covers "optim.lr").
bool covers(const std::string& entry, const std::string& key) {
  return key == entry || (key.starts_with(entry) && key.size() > entry.size() && key[entry.size()] == '.');
}

void check_allow_entries(const std::vector<std::string>& allow_change) {
  static const std::vector<std::string> keys = schema_keys<RunConfig>();
  for (const std::string& entry : allow_change)
    SF_CHECK(std::find(keys.begin(), keys.end(), entry) != keys.end(), "--allow-change ", entry,
             ": no such config key or section (seqforge schema lists them)");
}

// The summary's word on a changed key.
std::string change_note(const std::string& key, bool run_only, const RunConfig& requested) {
  if (!run_only) return " (--allow-change)";
  const OptimConfig& o = requested.optim;
  if (key == "train.steps" && o.decay_steps == 0 && o.schedule != ScheduleKind::constant)
    return cat(" (the ", enum_name(o.schedule), " schedule is recomputed: it now decays until step ",
               requested.train.steps, ")");
  return "";
}

}  // namespace

// Each leaves what the resumed steps compute as an uninterrupted run would (up to the summation order
// that threads, device and ranks change): train.steps moves the end (and a schedule that decays until
// the last step, which the summary says); the intervals change when the run reports and saves;
// max_bad_steps how many NaN steps it skips; checkpoint.* which files are kept and what they hold;
// distributed.* how gradients travel; adapter.log_norms what is logged. Not here: train.eval_batches,
// since the val_loss curve would change meaning mid-run.
const std::vector<std::string>& run_only_keys() {
  static const std::vector<std::string> keys = {
      "train.steps",          "train.eval_every",      "train.log_every",       "train.checkpoint_every",
      "train.threads",        "train.device",          "train.max_bad_steps",   "checkpoint.keep_last",
      "checkpoint.milestones", "checkpoint.save_optimizer", "distributed.bucket_mb", "distributed.timeout_s",
      "distributed.backend",  "adapter.log_norms"};
  return keys;
}

std::string checkpoint_to_resume(const std::string& out_dir) {
  const std::string path = latest_checkpoint((fs::path(out_dir) / "checkpoints").string());
  SF_CHECK(!path.empty(), "--resume: no checkpoint in ", out_dir, "/checkpoints");
  return path;
}

std::string check_resume_changes(const RunConfig& stored, RunConfig& requested,
                                 const std::vector<std::string>& allow_change, const std::string& checkpoint) {
  check_allow_entries(allow_change);
  if (requested.model.vocab_size == 0) requested.model.vocab_size = stored.model.vocab_size;
  const std::vector<std::string>& free_keys = run_only_keys();
  std::string changed, refused, flags;
  for (const ConfigDifference& d : config_differences(stored, requested)) {
    const bool run_only = std::find(free_keys.begin(), free_keys.end(), d.key) != free_keys.end();
    if (!run_only && std::none_of(allow_change.begin(), allow_change.end(),
                              [&](const std::string& entry) { return covers(entry, d.key); })) {
      refused += cat("  ", d.key, ": checkpoint ", d.before, ", now ", d.after, "\n");
      flags += " --allow-change " + d.key;
      continue;
    }
    changed += cat(changed.empty() ? "" : ", ", d.key, " ", d.before, " -> ", d.after,
                   change_note(d.key, run_only, requested));
  }
  SF_CHECK(refused.empty(), "--resume: the config differs from the one checkpoint ", checkpoint,
           " was trained with, in keys that change what is trained:\n", refused,
           "To continue the run as it was, resume without a recipe (seqforge train --resume --out ",
           fs::path(checkpoint).parent_path().parent_path().string(),
           " takes the checkpoint's config) or repeat the run's overrides; to change these keys on purpose, add",
           flags);
  return changed.empty() ? "resume: same config as the checkpoint" : "resume: changed " + changed;
}

ResumedConfig resume_config(const ResumeRequest& request) {
  const std::string path = checkpoint_to_resume(request.out_dir);
  const Checkpoint c = load_checkpoint(path, /*with_optimizer=*/false);
  require_optimizer_state(c, path);
  const std::string source = path + ":/config";
  ResumedConfig out;
  if (request.recipe.empty()) {
    out.loaded.config = run_config_from_yaml(c.config_yaml, source, request.overrides);
    out.loaded.recipe_path = path;
    out.loaded.recipe_text = c.recipe_text;  // the run's recipe as written, carried into its next checkpoints
  } else {
    out.loaded = load_run_config(request.recipe, request.overrides);
  }
  out.summary = check_resume_changes(run_config_from_yaml(c.config_yaml, source), out.loaded.config,
                                     request.allow_change, path);
  return out;
}

std::string resume_config_file(int64_t step) {
  char name[64];
  std::snprintf(name, sizeof name, "config.resume-%06lld.yaml", static_cast<long long>(step));
  return name;
}

}  // namespace sf

// What a resumed run trains with. `seqforge train --resume` compares the requested config, key by
// key, with the resolved config stored in the checkpoint it continues:
//   - keys that only change how the run is carried out (run_only_keys(): steps, intervals, logging,
//     threads, device, divergence tolerance, checkpoint retention and contents, distributed transport)
//     may change; the run's first line lists them;
//   - any other difference (model, data, optimizer and schedule, batch, sequence length, seed,
//     precision, validation batches) refuses the resume, naming each key with both values, unless
//     --allow-change names the key or its section.
// Without a recipe the run continues from the checkpoint's own config, plus any overrides. A checkpoint
// saved without optimizer state (checkpoint.save_optimizer: false) is refused: it only seeds new runs.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "config/loader.h"

namespace sf {

struct ResumeRequest {
  std::string out_dir;                    // the run directory
  std::string recipe;                     // empty: the config stored in the checkpoint
  std::vector<std::string> overrides;     // key.sub=value, on top of the recipe or the stored config
  std::vector<std::string> allow_change;  // keys or sections ("optim") changed on purpose
};

struct ResumedConfig {
  LoadedConfig loaded;
  std::string summary;  // the run's first line: "resume: changed train.steps 2000 -> 4000, ..."
};

// The newest checkpoint in out_dir/checkpoints; throws when there is none.
std::string checkpoint_to_resume(const std::string& out_dir);

// Loads the requested config and checks it against the newest checkpoint's (check_resume_changes),
// before anything is built.
ResumedConfig resume_config(const ResumeRequest& request);

// The rules on two configs. Fields a run fills in itself take the stored value when the request
// leaves them to the run (model.vocab_size 0: from the tokenizer, which a resume takes from the
// checkpoint). Returns the summary line; throws sf::Error listing every refused key with its stored
// and requested value (`checkpoint` names the stored config), or naming an --allow-change entry that
// is no key.
std::string check_resume_changes(const RunConfig& stored, RunConfig& requested,
                                 const std::vector<std::string>& allow_change, const std::string& checkpoint);

// The keys that may change on resume without --allow-change.
const std::vector<std::string>& run_only_keys();

// Where a resume at `step` records its resolved config ("config.resume-000300.yaml"), next to the
// first run's config.resolved.yaml, which is never overwritten.
std::string resume_config_file(int64_t step);

}  // namespace sf

// `seqforge export CKPT --merge`: the checkpoint of an adapter run (adapter.kind lora or nola) as a plain
// model checkpoint: every adapter's s·B·A folded into its weight (in float32, one rounding), the adapters
// removed, the config's adapter section reset, no optimizer state. `seqforge eval` and `generate` load it
// like any other checkpoint, and it seeds a new run through train.init_from. With an adapter-only file
// (a run's adapter.h5, train/adapter_checkpoint.h) the checkpoint is the base instead: the file's adapters
// are loaded onto it (refused when its fingerprint is not the file's) and merged.
#pragma once
#include <string>

namespace sf {

struct MergedExport {
  std::string path;     // the file written
  std::string warning;  // with `force`: the fingerprint mismatch it overrode ("" when none)
};

// Writes `out` (empty: default_merged_path). Throws naming the checkpoint when it holds no adapters (and no
// `adapter_file` is given), or when it holds some and one is. An adapter file trained on another base is
// refused naming both fingerprints unless `force`.
MergedExport export_merged(const std::string& checkpoint, const std::string& out, const std::string& adapter_file = "",
                           bool force = false);

// "<checkpoint without its extension>.merged.h5".
std::string default_merged_path(const std::string& checkpoint);

}  // namespace sf

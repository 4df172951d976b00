// prepare_shards: text files tokenized into token shards (data/token_shards.h), what `seqforge
// prepare-data` runs. The data section says what: data.source (files, directories, globs) tokenized in
// order into the directory data.path with data.tokenizer (char: its vocabulary from every byte of
// data.source and data.val_source). The validation split is data.val_source tokenized the same way, or,
// without it, nanoGPT's split of the concatenated source at data.train_fraction — the split that
// data.dataset: text makes of one file, so the same text gives the same batches either way.
//
// Files are tokenized in parallel and written in order; a shard holds at most `shard_tokens` ids. The old
// manifest is removed first and the new one written last, atomically, so a run that is killed leaves no
// manifest that names half-written shards.
#pragma once
#include <cstdint>
#include <functional>

#include "config/run_config.h"
#include "data/token_shards.h"

namespace sf {

struct PrepareSettings {
  int64_t shard_tokens = int64_t{1} << 24;
  int threads = 1;  // files tokenized at once
};

struct PrepareProgress {
  int64_t files_done = 0, files = 0;
  int64_t bytes_done = 0, bytes = 0;  // of the text read
  int64_t tokens = 0;                 // written so far
};

// Returns the manifest it wrote. Errors name the file (a missing source, an empty file, a directory that
// cannot be written).
ShardManifest prepare_shards(const DataConfig& data, const PrepareSettings& settings,
                             const std::function<void(const PrepareProgress&)>& progress = {});

}  // namespace sf

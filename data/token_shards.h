// Token shards: a corpus tokenized once (`seqforge prepare-data`, data/prepare_shards.h) into HDF5
// files that training reads window by window, described by a manifest in the same directory.
//
//   DIR/manifest.json   written last and atomically: no manifest, no shards
//     {"format": "seqforge-token-shards", "version": 1,
//      "tokenizer": "seqforge-tokenizer 1\nkind char\n...", "tokenizer_fingerprint": "3f9c...",
//      "dtype": "uint16",                          // or "uint32" when the vocabulary exceeds 65,536
//      "source": [...], "val_source": [...],       // data.source / data.val_source as prepared
//      "train_fraction": 0.9,                      // the split of source; null with a val_source
//      "splits": {"train": {"tokens": 1003854, "bytes": 1003854,
//                           "shards": [{"file": "shard_000000.h5", "offset": 0, "tokens": 1003854}]},
//                 "val":   {...}}}
//   DIR/shard_000000.h5
//     /tokens             1-D uint16/uint32, contiguous (read with pread, never whole)
//     attributes of "/":  format = "seqforge-token-shard", format_version = 1, tokenizer_fingerprint
//
// A split is its shard runs laid end to end: a run is `tokens` ids from element `offset` of a shard's
// /tokens, so one shard may end the train split and start the validation split. `bytes` is the length of
// the text the split decodes to, for bits per byte.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "data/token_source.h"

namespace sf {

struct ShardSplit {
  int64_t tokens = 0;
  int64_t bytes = 0;
  std::vector<TokenRun> shards;  // path: the file name within the directory; data_offset: unused
};

struct ShardManifest {
  std::string tokenizer;    // Tokenizer::to_string()
  std::string fingerprint;  // tokenizer_fingerprint() of it
  int width = 2;            // bytes per id: 2 (uint16) or 4 (uint32)
  std::vector<std::string> source, val_source;
  double train_fraction = 0;  // 0 when val_source gives the validation split
  ShardSplit train, val;
};

std::string manifest_path(const std::string& dir);

// Reads DIR/manifest.json. A missing manifest says to run `seqforge prepare-data RECIPE`; a malformed
// one, or one whose fingerprint is not its tokenizer's, names the file.
ShardManifest read_manifest(const std::string& dir);
void write_manifest(const std::string& dir, const ShardManifest& manifest);  // atomically

// Writes `ids` as shard `path` (its root attributes name the tokenizer by `fingerprint`).
void write_shard(const std::string& path, const std::vector<int32_t>& ids, int width, const std::string& fingerprint);

// A split of the shards in `dir`, read with pread. Each shard is checked against the manifest first: an HDF5
// file of ours, tokenized by the manifest's tokenizer, holding at least the ids the manifest says; any
// failure is an sf::Error naming the shard.
std::shared_ptr<TokenFiles> open_shards(const std::string& dir, const ShardManifest& manifest,
                                        const ShardSplit& split, int64_t vocab_limit);

}  // namespace sf

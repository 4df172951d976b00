// A trained model restored from a checkpoint, for `seqforge eval` and `seqforge generate`.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "config/run_config.h"
#include "data/tokenizer.h"
#include "layers/sequence_model.h"
#include "train/checkpoint.h"

namespace sf {

struct LoadedModel {
  RunConfig config;  // the checkpoint's resolved config with `overrides` applied
  std::unique_ptr<Tokenizer> tokenizer;  // null for a model trained on a synthetic task
  std::shared_ptr<Model> model;  // in eval mode: a SequenceModel, or the autoencoder (model.arch)
  int64_t step = 0;

  // The model as a sequence model; for model.arch: autoencoder an error saying that `what` ("generate",
  // "FLOPs per token") needs one.
  SequenceModel& sequence_model(const std::string& what) const;
};

// Overrides ("data.path=...") change what is evaluated, not the architecture: the model section
// must still match the stored parameters (load_state_dict names any mismatch).
LoadedModel load_model(const std::string& checkpoint, const std::vector<std::string>& overrides = {});
// The same from a checkpoint already read from `path` (named in messages).
LoadedModel load_model(const Checkpoint& checkpoint, const std::string& path,
                       const std::vector<std::string>& overrides = {});

// Makes train.matmul_precision this process's float32 GEMM precision (core/ops.h).
void use_matmul_precision(Precision p);

}  // namespace sf

// `seqforge export`: a checkpoint's weights in a format other programs load. Safetensors only for now
// (train/safetensors.h): the tensors of the checkpoint's /model group under their dotted names
// (wte.weight, blocks.0.mixer.wqkv.weight, ...), and in __metadata__ what is needed to use them:
//   format     "seqforge"
//   step       optimizer steps the weights were trained for, as decimal text
//   config     the resolved run config (YAML, as config.resolved.yaml)
//   recipe     the recipe as written
//   tokenizer  Tokenizer::to_string() (data/tokenizer.h); empty for a model of a synthetic task
// The optimizer state and the sampler counter are left out: an export is for inference and
// fine-tuning elsewhere, never for resuming.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "core/dtype.h"

namespace sf {

struct ExportOptions {
  std::string out;              // where to write; empty = the checkpoint's path with .safetensors
  // Floating tensors are written as stored (float32, or float64 for a float64 model) unless this says
  // f32 or bf16. bf16 rounds to nearest even like core's conversion (Tensor::to); float64 goes through
  // float32 on the way, which can round a value lying exactly between two bf16 numbers the other way.
  std::optional<DType> dtype;
};

struct ExportSummary {
  std::string path;     // the file written
  int64_t tensors = 0;
  uint64_t bytes = 0;   // the file's size
};

// Throws sf::Error naming the checkpoint (missing, corrupt: load_checkpoint's checks) or the output
// (cannot be written); a failed write leaves nothing at `out`.
ExportSummary export_safetensors(const std::string& checkpoint, const ExportOptions& options);

// "<checkpoint without its extension>.safetensors".
std::string default_export_path(const std::string& checkpoint);

}  // namespace sf

// Adapter-only checkpoints (spec optim.md §1.7, §2.4): what an adapter run trained, without the base.
//
//   /adapter/<site>/A, /adapter/<site>/B     lora: the factors            (site: "blocks.0.mixer.wqkv.q")
//   /adapter/<site>/alpha, /adapter/<site>/beta   nola: the coefficients only; the bases come from the seed
//   /trained/<param>                          base parameters trained too (adapter.bias, adapter.train)
// Root attributes: format = "seqforge-adapter", format_version (a newer one than this seqforge writes is
// refused), seqforge_version (of the writer), kind, r, alpha, dropout, bias, merge_on_eval, targets and train
// (as written, comma-separated), base_fingerprint (layers/adapters/attach.h); lora adds init_a; nola
// adds k, l, seed, chunk, generator and a0 = "uniform_fan_in". Written to "<path>.tmp" and renamed.
#pragma once
#include <string>

#include "config/adapter_config.h"
#include "layers/module.h"

namespace sf {

// Writes the adapters attached in `model` (configured by `config`). Throws when the model has none.
void save_adapter(const std::string& path, Module& model, const AdapterConfig& config);

// The section that attaches the file's adapters: its kind and hyperparameters, targets = the file's sites,
// train = the names of the base parameters it holds.
AdapterConfig read_adapter_config(const std::string& path);

// Loads the file into `model`, which holds the base and adapters attached with read_adapter_config(path).
// A base whose fingerprint differs from the file's is refused with both fingerprints in the message, unless
// `force`: then it loads and returns that message (for a warning; "" when they match). A NOLA file from
// another generator, or a model whose adapters are not the file's, is refused either way.
std::string load_adapter(const std::string& path, Module& model, bool force = false);

}  // namespace sf

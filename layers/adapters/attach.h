// Attaching adapters to a model from the `adapter:` section (spec optim.md §1.3, §1.6), and what the
// trainer, checkpoints and export need to find them again.
//
// A site is a matrix an adapter can adapt: every Linear of the model by its path ("blocks.0.mlp.fc"), and
// each declared output part of one by "<path>.<part>" ("blocks.0.mixer.wqkv.q"). Targets are globs over
// site names ('*' matches any text) or one preset:
//   qv          *.wqkv.q, *.wqkv.v                      (the LoRA paper's default)
//   qkvo        *.wqkv.q, *.wqkv.k, *.wqkv.v, *.wo
//   all_linear  inside blocks: wqkv's q, k, v, wo, the MLPs' fc, proj, w1, w2, w3, and a recurrent or SSM
//               mixer's in_proj and out_proj; never its recurrence (Mamba's x_proj, dt_proj, state
//               parameters), embeddings, the LM head or norms.
// A glob (or a preset as a whole) matching no site is an error, and so is adapting a whole layer and one of
// its parts at once.
#pragma once
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "config/adapter_config.h"
#include "layers/adapters/low_rank_adapter.h"

namespace sf {

// Every site of `model`, in tree order (a layer's parts after the layer).
std::vector<AdapterSite> adapter_sites(Module& model);

// The site names `targets` selects (presets expanded), in tree order; throws naming a glob that matches
// nothing.
std::vector<std::string> resolve_adapter_targets(Module& model, const std::vector<std::string>& targets);

// Applies the section to a model holding its base weights: with kind lora or nola, freezes every parameter,
// attaches one adapter per target site as a child of the site's layer ("lora", or "lora_q" for a part;
// parameters "blocks.0.mixer.wqkv.lora_q.A") and makes the biases adapter.bias names and the base parameters
// adapter.train matches trainable again (a glob matching none is an error); with
// kind none, freezes the parameters matching adapter.freeze. Frozen parameters get no gradient and no
// optimizer state. Returns the attached adapters in tree order.
std::vector<std::shared_ptr<LowRankAdapter>> apply_adapter_config(Module& model, const AdapterConfig& config,
                                                                  uint64_t run_seed);

// The adapters attached in `model`, in tree order.
std::vector<LowRankAdapter*> find_adapters(Module& model);

// With adapter.log_norms: ("adapter_out_max/<site>", max|x·(W0+ΔW)ᵀ| over the training forwards since the
// previous call) per adapter, in tree order (LowRankAdapter::take_out_max).
std::vector<std::pair<std::string, double>> take_adapter_out_max(Module& model);

// Folds every adapter into its weight and removes it (hook and child): a plain model that computes what
// the adapted one does (`seqforge export --merge`).
void merge_and_remove_adapters(Module& model);

// Removes every adapter (hook and child) without merging: the model computes what its base does again.
// Parameters frozen by apply_adapter_config stay frozen.
void drop_adapters(Module& model);

// SHA-256 over the frozen parameters in canonical order (sorted by name): for each, its name, dtype,
// shape and raw bytes. Identifies the base an adapter was trained on; refuses a merged adapter. Base
// parameters trained beside the adapters (adapter.bias, adapter.train) are not frozen and not covered: the
// adapter file carries their values.
std::string base_fingerprint(Module& model);

}  // namespace sf

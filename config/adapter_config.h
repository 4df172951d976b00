// The `adapter:` recipe section: parameter-efficient fine-tuning of a loaded model (layers/adapters/).
// kind: lora adds s·B·A (rank `rank`, s = alpha/rank) to each targeted linear map and trains only A and B;
// kind: nola builds A and B from seeded random bases and trains only the mixing coefficients; kind: none
// with `freeze` globs fine-tunes the model with the matching parameters held fixed; with an adapter, `train`
// globs name base parameters trained beside it (norms, embeddings). Spec: optim.md §1, §2.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "config/validator.h"

namespace sf {

enum class AdapterKind { none, lora, nola };
enum class LoraInitA { kaiming_uniform, gaussian };
enum class AdapterBias { none, all, lora_only };

constexpr std::array<std::string_view, 3> enum_names(AdapterKind) { return {"none", "lora", "nola"}; }
constexpr std::array<std::string_view, 2> enum_names(LoraInitA) { return {"kaiming_uniform", "gaussian"}; }
constexpr std::array<std::string_view, 3> enum_names(AdapterBias) { return {"none", "all", "lora_only"}; }

struct NolaConfig {
  int64_t num_basis_a = 1000;
  int64_t num_basis_b = 1000;
  int64_t seed = 0;
  int64_t chunk = 64;

  template <class V>
  void visit(V& v) {
    v("num_basis_a", num_basis_a, "k: random bases U_i (rank x d_in) mixed into A; trainable coefficients per module");
    v("num_basis_b", num_basis_b, "l: random bases V_j (d_out x rank) mixed into B; trainable coefficients per module");
    v("seed", seed, "seed of every basis (with the module name); stored in the adapter checkpoint");
    v("chunk", chunk, "bases generated at a time (memory: chunk x rank x max(d_in, d_out) floats)");
  }
  void validate(const Validator& v) const;
  bool operator==(const NolaConfig&) const = default;
};

struct AdapterConfig {
  AdapterKind kind = AdapterKind::none;
  std::vector<std::string> targets{"qv"};
  int64_t rank = 4;
  double alpha = 32.0;
  double dropout = 0.0;
  LoraInitA init_a = LoraInitA::kaiming_uniform;
  AdapterBias bias = AdapterBias::none;
  bool merge_on_eval = true;
  std::vector<std::string> freeze;
  std::vector<std::string> train;
  bool log_norms = false;
  NolaConfig nola;

  template <class V>
  void visit(V& v) {
    v("kind", kind, "none (train the whole model, less adapter.freeze), lora, or nola");
    v("targets", targets,
      "what to adapt: one preset, [qv], [qkvo] or [all_linear] (attention q,k,v,o and MLP fc/proj/w1/w2/w3, a "
      "recurrent mixer's in_proj/out_proj), or globs over module names where * matches any text "
      "([blocks.*.mixer.wqkv.q, blocks.3.mlp.fc]); a fused qkv projection is addressed by slice (.q .k .v); "
      "a glob matching nothing is an error");
    v("rank", rank, "r: rank of the update s·B·A");
    v("alpha", alpha, "scale numerator: the update is multiplied by s = alpha / rank");
    v("dropout", dropout, "dropout on the adapter's input only, in training");
    v("init_a", init_a,
      "lora: A ~ U(+-1/sqrt(d_in)) (kaiming_uniform, the reference's) or N(0, 1/rank^2) (gaussian); B starts at 0");
    v("bias", bias, "biases trained too: none, all (every bias of the model), lora_only (those of adapted layers)");
    v("merge_on_eval", merge_on_eval,
      "fold s·B·A into the weight while the model is in eval mode (no extra cost at inference), restore it for training");
    v("freeze", freeze,
      "kind none only: parameter-name globs (* matches any text) held fixed, e.g. [wte.*, blocks.0.*]; each must "
      "match a parameter");
    v("train", train,
      "kind lora or nola: base parameters trained too, by name globs (* matches any text), e.g. ['*norm*', "
      "wte.*] (quote a glob that starts with *: YAML reads it as an alias): PEFT's modules_to_save; saved in "
      "adapter.h5 with the adapters; each must match a parameter");
    v("log_norms", log_norms,
      "log max|x·(W0+ΔW)ᵀ| of every adapted projection (its largest output entry over the training forwards "
      "since the last log line, bias excluded) to metrics.jsonl as adapter_out_max/<site>, spec optim.md §1.10");
    v("nola", nola, "kind nola: the random bases");
  }
  void validate(const Validator& v) const;
  bool operator==(const AdapterConfig&) const = default;
};

}  // namespace sf

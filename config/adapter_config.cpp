#include "config/adapter_config.h"

#include "core/error.h"

namespace sf {

void NolaConfig::validate(const Validator& v) const {
  v.require(num_basis_a > 0, "num_basis_a", num_basis_a, "must be > 0");
  v.require(num_basis_b > 0, "num_basis_b", num_basis_b, "must be > 0");
  v.require(seed >= 0, "seed", seed, "must be >= 0");
  v.require(chunk > 0, "chunk", chunk, "must be > 0");
}

void AdapterConfig::validate(const Validator& v) const {
  const bool adapting = kind != AdapterKind::none;
  // Keys of another kind would be accepted and do nothing: refuse them by name.
  const auto only_adapting = [&](std::string_view key, const auto& value) {
    v.require(adapting || !v.is_set(key), key, value,
              "is read only with adapter.kind: lora or nola; set the kind, or remove it");
  };
  only_adapting("targets", targets);
  only_adapting("rank", rank);
  only_adapting("alpha", alpha);
  only_adapting("dropout", dropout);
  only_adapting("bias", bias);
  only_adapting("merge_on_eval", merge_on_eval);
  only_adapting("train", train);
  only_adapting("log_norms", log_norms);
  v.require(kind == AdapterKind::lora || !v.is_set("init_a"), "init_a", init_a, "is read only with adapter.kind: lora");
  const auto only_nola = [&](std::string_view key, int64_t value) {
    v.require(kind == AdapterKind::nola || !v.is_set(key), key, value, "is read only with adapter.kind: nola");
  };
  only_nola("nola.num_basis_a", nola.num_basis_a);
  only_nola("nola.num_basis_b", nola.num_basis_b);
  only_nola("nola.seed", nola.seed);
  only_nola("nola.chunk", nola.chunk);
  v.require(!adapting || freeze.empty(), "freeze", freeze,
            "is for adapter.kind: none; an adapter already freezes every base parameter");
  v.require(!targets.empty(), "targets", targets, "must name a preset (qv, qkvo, all_linear) or globs");
  v.require(rank > 0, "rank", rank, "must be > 0");
  v.require(alpha > 0, "alpha", alpha, "must be > 0");
  v.require(dropout >= 0 && dropout < 1, "dropout", dropout, "must be in [0, 1)");
}

}  // namespace sf

#include "layers/adapters/nola.h"

#include "core/hash.h"

namespace sf {

uint64_t nola_seed(uint64_t seed, const std::string& site, char which) { return mix(seed, fnv1a(site + "." + which)); }

NolaAdapter::NolaAdapter(AdapterSite site, const AdapterConfig& config)
    : LowRankAdapter(site, config.rank, config.alpha, config.dropout, config.merge_on_eval) {
  const auto seed = static_cast<uint64_t>(config.nola.seed);
  basis_a_ = {nola_seed(seed, site.name, 'A'), config.rank, site.layer->in_features(), config.nola.chunk, true};
  basis_b_ = {nola_seed(seed, site.name, 'B'), site.rows, config.rank, config.nola.chunk, false};
  const DType dtype = site.layer->weight().dtype() == DType::f64 ? DType::f64 : DType::f32;
  alpha_ = register_parameter("alpha", {config.nola.num_basis_a}, Init::zeros(), dtype);
  beta_ = register_parameter("beta", {config.nola.num_basis_b}, Init::zeros(), dtype);
}

std::pair<Variable, Variable> NolaAdapter::factors() const {
  return {nola_mix(alpha_, basis_a_), nola_mix(beta_, basis_b_)};
}

}  // namespace sf

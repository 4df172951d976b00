// NOLA (Koohpayegani et al., ICLR 2024; spec optim.md §2): A and B are mixtures of seeded random bases,
//   A = A0 + Σ_{i<k} α_i·c_A·U_i  (rank, d_in),    B = Σ_{j<l} β_j·c_B·V_j  (rows, rank),
// and only the coefficients α (k) and β (l), both starting at 0, are trained. The site named m draws
// {A0, U_i} from seed mix(nola.seed, fnv1a(m + ".A")) and {V_j} from mix(nola.seed, fnv1a(m + ".B"))
// (layers/adapters/nola_basis.h); A and B are rebuilt once per forward from bases generated in chunks.
#pragma once
#include <string>

#include "config/adapter_config.h"
#include "layers/adapters/low_rank_adapter.h"
#include "layers/adapters/nola_basis.h"

namespace sf {

// The generator every NOLA checkpoint records: a change to the bases, their scaling or the accumulation
// order must bump it, and a checkpoint naming another generator is refused.
inline constexpr const char* kNolaGenerator = "philox4x32-10/usym/v1";

class NolaAdapter : public LowRankAdapter {
 public:
  NolaAdapter(AdapterSite site, const AdapterConfig& config);

  const char* kind() const override { return "nola"; }
  std::pair<Variable, Variable> factors() const override;
  const Variable& alpha() const { return alpha_; }
  const Variable& beta() const { return beta_; }
  const NolaBasis& basis_a() const { return basis_a_; }
  const NolaBasis& basis_b() const { return basis_b_; }

 private:
  NolaBasis basis_a_, basis_b_;
  Variable alpha_, beta_;
};

// The seed of a site's A or B bases: mix(nola_seed, fnv1a(site + ".A" or ".B")).
uint64_t nola_seed(uint64_t nola_seed, const std::string& site, char which);

}  // namespace sf

// LoRA (Hu et al. 2021; spec optim.md §1): A and B are trainable parameters of the adapter.
//   A (rank, d_in): uniform on ±1/√d_in (the reference's Kaiming-uniform), or N(0, 1/rank²) with
//                   init_a: gaussian; drawn from RngStream{mix(run_seed, fnv1a(site name)), 0, 'LORA'}.
//   B (rows, rank): zeros, so the adapted model starts exactly equal to the base.
// The draw depends only on the run seed and the site's name; init_parameters() redraws the same values.
#pragma once
#include "config/adapter_config.h"
#include "layers/adapters/low_rank_adapter.h"

namespace sf {

class LoraAdapter : public LowRankAdapter {
 public:
  LoraAdapter(AdapterSite site, const AdapterConfig& config, uint64_t run_seed);

  const char* kind() const override { return "lora"; }
  std::pair<Variable, Variable> factors() const override { return {a_, b_}; }
  const Variable& a() const { return a_; }
  const Variable& b() const { return b_; }

 private:
  Variable a_, b_;
};

}  // namespace sf

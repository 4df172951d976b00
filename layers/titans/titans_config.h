// model.titans: the keys of the Titans mixers (layers/titans/), registered with them in
// layers/titans/registration.cpp. Heads and width come from model.n_head and model.n_embd. The switches
// momentum, forget, memory_depth, conv and persistent are the rows of the paper's ablation (Table 5).
#pragma once
#include <array>
#include <cstdint>
#include <string_view>

#include "config/validator.h"

namespace sf {

// φ between the memory MLP's layers.
enum class MemoryActivation { gelu, silu };
// The inner loss ‖M(k) − v‖² summed over the width (the paper) or averaged (lucidrains' titans-pytorch).
enum class MemoryLoss { mean, sum };
// Each token reads the memory after its own write (the paper's recurrence) or as its chunk began (lucidrains).
enum class MemoryRead { after_write, chunk_start };
constexpr std::array<std::string_view, 2> enum_names(MemoryActivation) { return {"gelu", "silu"}; }
constexpr std::array<std::string_view, 2> enum_names(MemoryLoss) { return {"mean", "sum"}; }
constexpr std::array<std::string_view, 2> enum_names(MemoryRead) { return {"after_write", "chunk_start"}; }

struct TitansConfig {
  int64_t memory_depth = 2;      // layers of the memory MLP; 1 = a linear memory
  int64_t memory_expansion = 4;  // hidden width of the memory MLP = expansion × head width
  MemoryActivation activation = MemoryActivation::gelu;
  MemoryLoss loss = MemoryLoss::mean;
  double theta_max = 0.1;  // θ_t = theta_max · σ(x_t w_θ + c_θ)
  int64_t chunk = 16;      // tokens per chunk of the parallel (dual) form; the gradient point is frozen per chunk
  MemoryRead read = MemoryRead::after_write;
  bool momentum = true;  // η_t S_{t−1} carried ("past surprise"); false: S_t = −θ_t u_t
  bool forget = true;    // the (1 − α_t) decay of the memory; false: α = 0
  bool conv = true;      // causal depthwise convolution on q, k, v
  int64_t conv_kernel = 4;
  int64_t persistent = 4;  // learned tokens prepended to every sequence
  int64_t segment = 64;    // titans_mac: tokens per segment (attention's context is [persistent ‖ memory ‖ segment])

  template <class V>
  void visit(V& v) {
    v("memory_depth", memory_depth, "layers of the memory MLP (1 = linear memory, the paper's ablation row)");
    v("memory_expansion", memory_expansion, "hidden width of the memory MLP, in head widths");
    v("activation", activation, "gelu or silu between the memory MLP's layers");
    v("loss", loss, "inner loss ||M(k) - v||^2 averaged over the width (mean) or summed (sum, the paper)");
    v("theta_max", theta_max, "largest inner learning rate: theta_t = theta_max * sigmoid(x_t w + c)");
    v("chunk", chunk, "tokens per chunk of the parallel form; the memory's gradient point is frozen per chunk");
    v("read", read, "after_write: each token reads the memory after its own write; chunk_start: as its chunk began");
    v("momentum", momentum, "carry the surprise S with data-dependent momentum eta (false: the ablation row)");
    v("forget", forget, "decay the memory by (1 - alpha_t) each token (false: the ablation row)");
    v("conv", conv, "causal depthwise convolution on q, k, v before their activation");
    v("conv_kernel", conv_kernel, "width of that convolution");
    v("persistent", persistent, "learned persistent tokens prepended to every sequence (0: none)");
    v("segment", segment, "titans_mac only: tokens per segment; attention sees the persistent tokens, the memory's "
                          "reads for the segment and the segment itself");
  }
  void validate(const Validator& v) const;
  bool operator==(const TitansConfig&) const = default;
};

}  // namespace sf

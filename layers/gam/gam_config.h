// model.gam: the keys of the Gated Associative Memory mixer (layers/gam/gam.h), registered with it in
// layers/gam/registration.cpp. The width is model.n_embd. A mixer reads it as config.section<GamConfig>().
#pragma once
#include <array>
#include <cstdint>
#include <string_view>

#include "config/validator.h"

namespace sf {

// How the two paths combine: sigmoid gates from the block input (the paper's model), or a plain sum
// (its "sum fusion" ablation row).
enum class GamFusion { gated, sum };
// Which paths exist: both, or one alone (its "local only" and "global only" rows).
enum class GamPaths { both, local, global };
constexpr std::array<std::string_view, 2> enum_names(GamFusion) { return {"gated", "sum"}; }
constexpr std::array<std::string_view, 3> enum_names(GamPaths) { return {"both", "local", "global"}; }

struct GamConfig {
  int64_t slots = 512;  // M, rows of the learned memory bank
  int64_t kernel = 3;   // width of the causal depthwise convolution (the local path)
  GamFusion fusion = GamFusion::gated;
  GamPaths paths = GamPaths::both;
  int64_t tile_rows = 256;  // rows per tile of the softmax over slots (memory, not results)

  template <class V>
  void visit(V& v) {
    v("slots", slots, "memory slots M of the global path (learned prototype vectors)");
    v("kernel", kernel, "width of the causal depthwise convolution of the local path");
    v("fusion", fusion, "gated: sigmoid gates from the input weigh each path (the paper); sum: plain sum");
    v("paths", paths, "both, or local (convolution) / global (memory) alone: the paper's ablation");
    v("tile_rows", tile_rows, "rows per tile of the softmax over slots: bounds its memory, not its result");
  }
  void validate(const Validator& v) const;
  bool operator==(const GamConfig&) const = default;
};

}  // namespace sf

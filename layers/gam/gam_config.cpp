#include "layers/gam/gam_config.h"

namespace sf {

void GamConfig::validate(const Validator& v) const {
  v.require(slots >= 1, "slots", slots, "must be > 0");
  v.require(kernel >= 1, "kernel", kernel, "must be > 0");
  v.require(tile_rows >= 1, "tile_rows", tile_rows, "must be > 0");
  v.require(fusion == GamFusion::gated || paths == GamPaths::both, "fusion", "sum",
            "sums two paths: with model.gam.paths local or global there is one, so use fusion: gated");
}

}  // namespace sf

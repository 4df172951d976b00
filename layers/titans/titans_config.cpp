#include "layers/titans/titans_config.h"

namespace sf {

void TitansConfig::validate(const Validator& v) const {
  v.require(memory_depth >= 1, "memory_depth", memory_depth, "must be > 0");
  v.require(memory_expansion >= 1, "memory_expansion", memory_expansion, "must be > 0");
  v.require(theta_max > 0, "theta_max", theta_max, "must be > 0");
  v.require(chunk >= 1, "chunk", chunk, "must be > 0");
  v.require(conv_kernel >= 1, "conv_kernel", conv_kernel, "must be > 0");
  v.require(persistent >= 0, "persistent", persistent, "must be >= 0");
  v.require(segment >= 1, "segment", segment, "must be > 0");
}

}  // namespace sf

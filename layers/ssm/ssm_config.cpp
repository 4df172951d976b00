#include "layers/ssm/ssm_config.h"

#include "core/error.h"

namespace sf {

void SsmConfig::validate(const Validator& v) const {
  const std::string positive = "must be > 0";
  v.require(d_state >= 1, "d_state", d_state, positive);
  v.require(d_conv >= 1, "d_conv", d_conv, positive);
  v.require(expand >= 1, "expand", expand, positive);
  v.require(dt_rank >= 0, "dt_rank", dt_rank, "must be >= 0 (0 = ceil(n_embd / 16))");
  v.require(dt_min > 0, "dt_min", dt_min, positive);
  v.require(dt_max >= dt_min, "dt_max", dt_max, detail::cat("must be >= model.ssm.dt_min (", dt_min, ")"));
  v.require(chunk >= 1, "chunk", chunk, positive);
}

}  // namespace sf

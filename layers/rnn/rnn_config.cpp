#include "layers/rnn/rnn_config.h"

namespace sf {

void RnnConfig::validate(const Validator& v) const {
  const std::string positive = "must be > 0";
  v.require(max_newton_iters >= 1, "max_newton_iters", max_newton_iters, positive);
  v.require(tol >= 0, "tol", tol, "must be >= 0");
  v.require(heads >= 1, "heads", heads, positive);
  v.require(layers >= 1, "layers", layers, positive);
  v.require(a_clamp >= 0, "a_clamp", a_clamp, "must be >= 0 (0 = off)");
  v.require(chunk >= 1, "chunk", chunk, positive);
  v.require(d_conv >= 1, "d_conv", d_conv, positive);
}

}  // namespace sf

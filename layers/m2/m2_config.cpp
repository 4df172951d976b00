#include "layers/m2/m2_config.h"

namespace sf {

void M2Config::validate(const Validator& v) const {
  v.require(filter_order >= 1, "filter_order", filter_order, "must be > 0");
  v.require(filter_emb >= 3 && filter_emb % 2 == 1, "filter_emb", filter_emb, "must be odd and >= 3");
  v.require(filter_freq > 0, "filter_freq", filter_freq, "must be > 0");
  v.require(short_kernel >= 1, "short_kernel", short_kernel, "must be > 0");
  v.require(filter_lr >= 0, "filter_lr", filter_lr, "must be >= 0 (0 = optim.lr)");
  v.require(filter_weight_decay >= 0, "filter_weight_decay", filter_weight_decay, "must be >= 0");
  v.require(pos_lr >= 0, "pos_lr", pos_lr, "must be >= 0 (0 = fixed features)");
}

}  // namespace sf

// The Gated Associative Memory mixer and its section, model.gam (layers/registry.h).
#include "layers/gam/gam.h"
#include "layers/gam/gam_config.h"
#include "layers/registry.h"

namespace sf {

void register_gam(MixerRegistrar& r) {
  r.section<GamConfig>("gam", "Gated Associative Memory mixer (gam)");
  r.mixer("gam", make_gam);
}

}  // namespace sf

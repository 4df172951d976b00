// The Monarch Mixer sequence mixer and its section, model.m2 (layers/registry.h).
#include "layers/m2/m2_config.h"
#include "layers/m2/m2_mixer.h"
#include "layers/registry.h"

namespace sf {

void register_m2(MixerRegistrar& r) {
  r.section<M2Config>("m2", "Monarch Mixer sequence mixer (m2): implicit long filter and short convolution");
  r.mixer("m2", make_m2);
}

}  // namespace sf

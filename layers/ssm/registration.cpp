// The state space mixers and their section, model.ssm (layers/registry.h).
#include "layers/registry.h"
#include "layers/ssm/mamba.h"
#include "layers/ssm/s4.h"
#include "layers/ssm/s4d.h"
#include "layers/ssm/ssm_config.h"

namespace sf {

void register_ssm(MixerRegistrar& r) {
  r.section<SsmConfig>("ssm", "state space mixers (s4d, s4, mamba)");
  r.mixer("s4d", make_s4d);
  r.mixer("s4", make_s4);
  r.mixer("mamba", make_mamba);
}

}  // namespace sf

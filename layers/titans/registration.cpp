// The Titans mixers and their section, model.titans (layers/registry.h).
#include "layers/registry.h"
#include "layers/titans/lmm.h"
#include "layers/titans/titans_config.h"

namespace sf {

void register_titans(MixerRegistrar& r) {
  r.section<TitansConfig>("titans", "Titans neural long-term memory mixers (titans_lmm)");
  r.mixer("titans_lmm", make_titans_lmm);
}

}  // namespace sf

// The Titans mixers and their section, model.titans (layers/registry.h).
#include "layers/registry.h"
#include "layers/titans/hybrid.h"
#include "layers/titans/lmm.h"
#include "layers/titans/mac.h"
#include "layers/titans/titans_config.h"

namespace sf {

void register_titans(MixerRegistrar& r) {
  r.section<TitansConfig>("titans", "Titans neural long-term memory mixers (titans_lmm, titans_mac, titans_mag, titans_mal)");
  r.mixer("titans_lmm", make_titans_lmm);
  r.mixer("titans_mac", make_titans_mac);
  r.mixer("titans_mag", make_titans_mag);
  r.mixer("titans_mal", make_titans_mal);
}

}  // namespace sf

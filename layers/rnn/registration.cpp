// The recurrent mixers and their section, model.rnn (layers/registry.h).
#include "layers/registry.h"
#include "layers/rnn/dense_rnn_mixer.h"
#include "layers/rnn/para_rnn_mixer.h"
#include "layers/rnn/rnn_config.h"

namespace sf {

void register_rnn(MixerRegistrar& r) {
  r.section<RnnConfig>("rnn", "recurrent mixers (lstm, gru, paragru, paralstm)");
  r.mixer("lstm", make_lstm);
  r.mixer("gru", make_gru);
  r.mixer("paragru", make_paragru);
  r.mixer("paralstm", make_paralstm);
}

}  // namespace sf

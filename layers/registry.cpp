#include "layers/registry.h"

#include "layers/rnn/dense_rnn_mixer.h"
#include "layers/rnn/para_rnn_mixer.h"
#include "layers/ssm/mamba.h"
#include "layers/ssm/s4.h"
#include "layers/ssm/s4d.h"
#include "layers/transformer/causal_self_attention.h"

namespace sf {

const std::vector<MixerEntry>& mixer_registry() {
  static const std::vector<MixerEntry> table = {
      {"attention", make_attention},
      {"s4d", make_s4d},
      {"s4", make_s4},
      {"mamba", make_mamba},
      {"lstm", make_lstm},
      {"gru", make_gru},
      {"paragru", make_paragru},
      {"paralstm", make_paralstm},
  };
  return table;
}

std::shared_ptr<Mixer> make_mixer(const std::string& name, const ModelConfig& config, int64_t layer_index,
                                  DType dtype) {
  std::string known;
  for (const auto& e : mixer_registry()) {
    if (name == e.name) return e.make(config, layer_index, dtype);
    known += known.empty() ? e.name : std::string(", ") + e.name;
  }
  throw Error(detail::cat("model.mixer: unknown mixer '", name, "'; registered mixers: ", known));
}

}  // namespace sf

#include "layers/model.h"

#include "layers/autoencoder.h"
#include "layers/sequence_model.h"

namespace sf {

std::shared_ptr<Model> make_model(const ModelConfig& config, DType dtype) {
  if (config.arch == ModelArch::autoencoder) return std::make_shared<Autoencoder>(config.autoencoder, dtype);
  return std::make_shared<SequenceModel>(config, dtype);
}

}  // namespace sf

// The mixer registry: config name -> factory. Adding a mixer = its folder + one line in the table
// in registry.cpp.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "config/run_config.h"
#include "layers/mixer.h"

namespace sf {

// Builds the mixer of block `layer_index` (0-based) with parameters of `dtype`.
using MixerFactory = std::function<std::shared_ptr<Mixer>(const ModelConfig& config, int64_t layer_index, DType dtype)>;

struct MixerEntry {
  const char* name;
  MixerFactory make;
};

const std::vector<MixerEntry>& mixer_registry();

// Throws sf::Error listing the registered names when `name` is not one of them.
std::shared_ptr<Mixer> make_mixer(const std::string& name, const ModelConfig& config, int64_t layer_index,
                                  DType dtype = DType::f32);

}  // namespace sf

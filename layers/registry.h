// The mixer registry: name -> factory, plus each mixer family's config section. A family registers
// everything it owns from its own folder, in layers/<family>/registration.cpp:
//
//   void register_ssm(MixerRegistrar& r) {
//     r.section<SsmConfig>("ssm", "state space mixers (s4d, s4, mamba)");  // model.ssm: its keys, defaults, docs
//     r.mixer("mamba", make_mamba);                                        // model.mixer: mamba
//   }
//
// and is named once in SF_MIXER_FAMILIES (layers/registry.cpp). A factory reads its section with
// config.section<SsmConfig>(). layers/README.md has the whole recipe for adding a mixer.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "config/run_config.h"
#include "config/section_registry.h"
#include "layers/mixer.h"

namespace sf {

// Builds the mixer of block `layer_index` (0-based) with parameters of `dtype`.
using MixerFactory = std::function<std::shared_ptr<Mixer>(const ModelConfig& config, int64_t layer_index, DType dtype)>;

struct MixerEntry {
  const char* name;
  MixerFactory make;
};

// What a family's register_<family>() is handed.
class MixerRegistrar {
 public:
  // model.<key> holds S (config/section_registry.h): bound, listed, written and validated with the model.
  // The family's mixers registered after it read it.
  template <RegistrableSection S>
  void section(std::string key, std::string doc) {
    family_section = key;
    register_config_section<S>("model", std::move(key), std::move(doc));
  }
  // A mixer model.mixer and model.layers may name.
  void mixer(const char* name, MixerFactory make);

  std::vector<MixerEntry> entries;  // in registration order
  std::string family_section;       // the section of the family being registered ("" before its section)
};

// Every registered mixer, in registration order (families in SF_MIXER_FAMILIES order).
const std::vector<MixerEntry>& mixer_registry();

// Throws sf::Error listing the registered names when `name` is not one of them.
std::shared_ptr<Mixer> make_mixer(const std::string& name, const ModelConfig& config, int64_t layer_index,
                                  DType dtype = DType::f32);

}  // namespace sf

#include "layers/registry.h"

namespace sf {

// The mixer families, in registry order: X(f) stands for register_f(MixerRegistrar&) in
// layers/f/registration.cpp. A new family adds its name here, the one line it writes outside its
// folder; a new mixer in an existing family adds none.
#define SF_MIXER_FAMILIES(X) X(transformer) X(ssm) X(rnn) X(gam) X(m2) X(titans)

#define SF_DECLARE_FAMILY(family) void register_##family(MixerRegistrar&);
SF_MIXER_FAMILIES(SF_DECLARE_FAMILY)
#undef SF_DECLARE_FAMILY

void MixerRegistrar::mixer(const char* name, MixerFactory make) {
  register_mixer_name(name, family_section);  // the config layer checks model.mixer and model.layers against these
  entries.push_back({name, std::move(make)});
}

const std::vector<MixerEntry>& mixer_registry() {
  static const std::vector<MixerEntry> table = [] {
    MixerRegistrar registrar;
#define SF_REGISTER_FAMILY(family)    \
  registrar.family_section.clear(); \
  register_##family(registrar);
    SF_MIXER_FAMILIES(SF_REGISTER_FAMILY)
#undef SF_REGISTER_FAMILY
    return std::move(registrar.entries);
  }();
  return table;
}

namespace {
// Registers at static initialisation, so that the mixers' config sections and names are known before
// main() loads a recipe. This file is linked into every program that builds a model (make_mixer), and the
// families' registration files through it: nothing depends on the linker keeping an unreferenced object.
[[maybe_unused]] const bool registered_at_startup = !mixer_registry().empty();
}  // namespace

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

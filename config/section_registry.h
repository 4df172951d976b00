// Config sections and mixer names registered by the components that own them. The config layer knows
// no mixer; a mixer family (layers/<family>/registration.cpp, through layers/registry.h) registers,
// from its own folder, the section it reads and the names a recipe may pick:
//
//   register_config_section<SsmConfig>("model", "ssm", "state space mixers (s4d, s4, mamba)");
//   register_mixer_name("mamba");
//
// From then on model.ssm is part of the schema like a built-in section: its keys bind from YAML with
// file:line errors and "did you mean" hints, appear in config.resolved.yaml, checkpoints and
// `seqforge schema`, take part in config diffs and equality, and are checked by SsmConfig::validate;
// model.mixer and model.layers accept the registered names. Registration runs during static
// initialisation (layers/registry.cpp), so every config made in main() holds the registered sections.
#pragma once
#include <concepts>
#include <memory>
#include <string>
#include <typeinfo>
#include <utility>
#include <vector>

#include "config/any_section.h"
#include "config/schema.h"
#include "config/validator.h"
#include "config/yaml_binder.h"
#include "config/yaml_emit.h"

namespace sf {

// A struct that can be registered: a section (visit()) that copies and compares; its validate(const
// Validator&), if any, holds its rules.
template <class S>
concept RegistrableSection = ConfigSection<S> && std::copy_constructible<S> && std::equality_comparable<S>;

struct SectionRegistration {
  std::string parent;  // the built-in section it sits under: "model"
  std::string key;     // its key there: "ssm"
  std::string doc;     // for `seqforge schema`
  AnySection defaults;
};

// Throws sf::Error on a second section with the same parent and key.
void register_section(SectionRegistration registration);
// In registration order.
const std::vector<SectionRegistration>& registered_sections();

// Throws sf::Error on a name registered twice. `section`: the key under model of its family's section
// ("ssm" for mamba), "" when it reads none.
void register_mixer_name(const std::string& name, const std::string& section = "");
// In registration order: what model.mixer and model.layers accept.
const std::vector<std::string>& registered_mixer_names();
// The section a registered mixer reads ("" for none or an unknown name).
std::string mixer_section(const std::string& name);

namespace detail {

// The AnySection operations for S: the static visitors, instantiated for S.
template <RegistrableSection S>
class SectionOf final : public AnySection::Concept {
 public:
  explicit SectionOf(S value) : value_(std::move(value)) {}
  std::unique_ptr<Concept> clone() const override { return std::make_unique<SectionOf>(value_); }
  const std::type_info& type() const override { return typeid(S); }
  void* data() override { return &value_; }
  bool equals(const Concept& other) const override { return value_ == static_cast<const SectionOf&>(other).value_; }
  void bind(const YAML::Node& node, const std::string& prefix, const BindContext& ctx) override {
    bind_section(node, value_, prefix, ctx);
  }
  void list_schema(const std::string& prefix, std::vector<SchemaEntry>& out) override {
    detail::list_schema(value_, prefix, out);
  }
  void emit(YAML::Emitter& out) override { emit_fields(out, value_); }
  void validate(const std::string& prefix, const Provenance& where) const override {
    S copy = value_;  // visit() is non-const
    validate_sections(copy, prefix, where);
  }

 private:
  S value_;
};

}  // namespace detail

template <RegistrableSection S>
void register_config_section(std::string parent, std::string key, std::string doc, S defaults = S{}) {
  register_section({std::move(parent), std::move(key), std::move(doc),
                    AnySection(std::make_unique<detail::SectionOf<S>>(std::move(defaults)))});
}

}  // namespace sf

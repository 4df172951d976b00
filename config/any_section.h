// AnySection: a config section whose struct the config layer does not know, because a component
// outside config/ owns it (layers/ssm/ owns SsmConfig, read as model.ssm; config/section_registry.h).
// The config visitors reach its fields through the operations below, each instantiated from the same
// templates that handle the built-in sections (schema.h, yaml_binder.h, yaml_emit.h, validator.h), so a
// registered section binds, lists, writes, compares and validates exactly like a built-in one.
#pragma once
#include <memory>
#include <string>
#include <typeinfo>
#include <utility>
#include <vector>

#include "config/provenance.h"

namespace YAML {
class Node;
class Emitter;
}  // namespace YAML

namespace sf {

struct BindContext;
struct SchemaEntry;

class AnySection {
 public:
  // The operations, implemented for each registered struct by detail::SectionOf<S>.
  struct Concept {
    virtual ~Concept() = default;
    virtual std::unique_ptr<Concept> clone() const = 0;
    virtual const std::type_info& type() const = 0;
    virtual void* data() = 0;
    virtual bool equals(const Concept& other) const = 0;  // other has the same type()
    virtual void bind(const YAML::Node& node, const std::string& prefix, const BindContext& ctx) = 0;
    virtual void list_schema(const std::string& prefix, std::vector<SchemaEntry>& out) = 0;
    virtual void emit(YAML::Emitter& out) = 0;
    virtual void validate(const std::string& prefix, const Provenance& where) const = 0;
  };

  explicit AnySection(std::unique_ptr<Concept> self) : self_(std::move(self)) {}
  AnySection(const AnySection& other) : self_(other.self_->clone()) {}
  AnySection& operator=(const AnySection& other) {
    if (this != &other) self_ = other.self_->clone();
    return *this;
  }
  AnySection(AnySection&&) noexcept = default;
  AnySection& operator=(AnySection&&) noexcept = default;

  // The struct, when it is an S; null otherwise.
  template <class S>
  S* get() {
    return self_->type() == typeid(S) ? static_cast<S*>(self_->data()) : nullptr;
  }
  template <class S>
  const S* get() const {
    return const_cast<AnySection*>(this)->get<S>();
  }

  bool operator==(const AnySection& other) const {
    return self_->type() == other.self_->type() && self_->equals(*other.self_);
  }

  // detail::bind_section, detail::list_schema, detail::emit_fields and validate_sections on the struct.
  void bind(const YAML::Node& node, const std::string& prefix, const BindContext& ctx) { self_->bind(node, prefix, ctx); }
  void list_schema(const std::string& prefix, std::vector<SchemaEntry>& out) { self_->list_schema(prefix, out); }
  void emit(YAML::Emitter& out) { self_->emit(out); }
  void validate(const std::string& prefix, const Provenance& where) const { self_->validate(prefix, where); }

 private:
  std::unique_ptr<Concept> self_;
};

}  // namespace sf
